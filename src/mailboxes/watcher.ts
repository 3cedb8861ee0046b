// One mailbox: a long-lived connection with INBOX selected (IDLE, or polled), the Junk folder checked
// by STATUS, and every new message given to the handlers in order. All reads of a mailbox run one at
// a time (a promise chain); timers live in the shared Scheduler; state changes go to the service.
import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import type { Identity } from '../identities/types.js';
import { authRetryDelayMs, reconnectDelayMs } from './backoff.js';
import { errorText, isLoginRefused, makeClient, messageKey } from './client.js';
import { advance, newUids, planFolder, statusMoved, type FolderCursor } from './cursor.js';
import type { MailDeps } from './deps.js';
import type { Gate, Scheduler } from './scheduler.js';
import type { MailboxState, MailboxStore } from './store.js';
import type { ArrivedMail, MailboxActions, MailHandler } from './types.js';

/** Messages fetched per round trip (each up to maxMessageBytes is held in memory until handled). */
const FETCH_BATCH = 10;
/** With IDLE, INBOX is still read this often in case a notification was lost. */
const IDLE_SAFETY_MS = 300_000;
const LOGOUT_WAIT_MS = 2_000;
/** A message whose handler failed this many times is skipped. */
const HANDLER_TRIES = 3;

export interface WatchContext {
  deps: MailDeps;
  store: MailboxStore;
  scheduler: Scheduler;
  gate: Gate;
  handlers: readonly MailHandler[];
  report(identity: string, state: MailboxState, detail: { error?: string; retryAt?: number; failures: number }): void;
}

export class MailboxWatcher {
  private client: ImapFlow | null = null;
  private junkPath: string | null = null;
  private failures = 0;
  /** Failed handler runs per message (folder, UIDVALIDITY, UID) not yet read. */
  private readonly handlerFailures = new Map<string, number>();
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly identity: Identity,
    readonly version: string,
    private readonly auth: () => Promise<ImapFlowOptions['auth']>,
    private readonly ctx: WatchContext,
  ) {}

  private get name(): string {
    return this.identity.name;
  }

  private get log() {
    return this.ctx.deps.log;
  }

  /** Connect at `at` (clock ms; now by default). */
  start(at = this.ctx.deps.clock()): void {
    this.schedule('connect', at, () => void this.connect());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ctx.scheduler.clearPrefix(`${this.name}\0`);
    const c = this.client;
    this.client = null;
    if (!c) return;
    await Promise.race([c.logout().catch(() => undefined), new Promise((r) => setTimeout(r, LOGOUT_WAIT_MS).unref())]);
    c.close();
  }

  private schedule(task: string, at: number, run: () => void): void {
    if (!this.stopped) this.ctx.scheduler.set(`${this.name}\0${task}`, at, run);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.ctx.report(this.name, 'connecting', { failures: this.failures });
    let client: ImapFlow | null;
    try {
      client = await this.ctx.gate.run(async () => {
        if (this.stopped) return null;
        const c = makeClient(this.identity.imap!, await this.auth(), this.log);
        c.on('error', (error: unknown) => this.log.debug({ event: 'mailbox-socket-error', identity: this.name, error: errorText(error) }, 'IMAP connection error'));
        await c.connect();
        return c;
      });
    } catch (error) {
      return this.failed(error);
    }
    if (!client) return;
    if (this.stopped) return void client.close();
    this.client = client;
    client.on('close', () => this.dropped(client));
    client.on('exists', (e: { path: string }) => {
      if (e.path === 'INBOX') this.enqueue(() => this.read('INBOX', false));
    });
    try {
      await this.setup(client);
    } catch (error) {
      this.client = null;
      client.close();
      this.failed(error);
    }
  }

  private async setup(client: ImapFlow): Promise<void> {
    const boxes = await client.list();
    this.junkPath = boxes.find((b) => b.specialUse === '\\Junk')?.path ?? null;
    await client.mailboxOpen('INBOX');
    const { config } = this.ctx.deps;
    const idle = config.mailboxes.idle && client.capabilities.has('IDLE');
    this.failures = 0;
    this.ctx.report(this.name, idle ? 'idle' : 'polling', { failures: 0 });
    this.log.info({ event: 'mailbox-connected', identity: this.name, host: this.identity.imap!.host, mode: idle ? 'idle' : 'polling', junk: this.junkPath }, 'mailbox connected');
    const pollMs = idle ? Math.max(IDLE_SAFETY_MS, config.mailboxes.pollSeconds * 1000) : config.mailboxes.pollSeconds * 1000;
    this.every('poll', pollMs, () => this.read('INBOX', false));
    if (this.junkPath) this.every('junk', config.mailboxes.junkCheckSeconds * 1000, () => this.checkJunk());
    await this.enqueue(() => this.read('INBOX', false));
    if (this.junkPath) await this.enqueue(() => this.checkJunk());
  }

  /** Runs `work` now and every `ms` after it ends (so slow reads never pile up). */
  private every(task: string, ms: number, work: () => Promise<void>): void {
    this.schedule(task, this.ctx.deps.clock() + ms, () => void this.enqueue(work).then(() => this.every(task, ms, work)));
  }

  /** Reads of one mailbox run one at a time; a failed read is logged (a broken connection reconnects). */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (!this.client || this.stopped) return;
      try {
        await work();
      } catch (error) {
        if (this.client) this.log.warn({ event: 'mailbox-read-failed', identity: this.name, error: errorText(error) }, 'reading the mailbox failed');
      }
    });
    return this.chain;
  }

  /** Junk is not selected: STATUS tells whether it has anything new before it is opened. */
  private async checkJunk(): Promise<void> {
    const client = this.client;
    const path = this.junkPath;
    if (!client || !path) return;
    const st = await client.status(path, { uidNext: true, uidValidity: true });
    if (!st) return;
    const server = { uidValidity: Number(st.uidValidity ?? 0), uidNext: st.uidNext ?? 1 };
    if (statusMoved(this.ctx.store.cursor(this.name, path), server)) {
      try {
        await this.read(path, true);
      } finally {
        if (this.client === client) await this.reopenInbox(client);
      }
    }
    this.ctx.store.touch(this.name, this.ctx.deps.clock());
  }

  /**
   * Select INBOX again after Junk was read, so IDLE watches it. What arrived in INBOX meanwhile (mail
   * delivered while Junk was selected, a warm-up rescue moved there) raised no EXISTS: read it now.
   */
  private async reopenInbox(client: ImapFlow): Promise<void> {
    await client.mailboxOpen('INBOX');
    const box = client.mailbox;
    if (!box || this.client !== client) return;
    if (statusMoved(this.ctx.store.cursor(this.name, 'INBOX'), { uidValidity: Number(box.uidValidity), uidNext: box.uidNext })) await this.read('INBOX', false);
  }

  private async read(path: string, junk: boolean): Promise<void> {
    const client = this.client;
    if (!client) return;
    const { store, deps } = this.ctx;
    const lock = await client.getMailboxLock(path);
    try {
      const box = client.mailbox;
      if (!box) return;
      const server = { uidValidity: Number(box.uidValidity), uidNext: box.uidNext };
      const stored = store.cursor(this.name, path);
      const plan = planFolder(stored, server, deps.clock());
      if (plan.kind === 'start') {
        store.saveCursor(this.name, path, plan.cursor);
        this.log.info({ event: 'mailbox-folder-start', identity: this.name, folder: path, uid: plan.cursor.lastUid }, 'watching a new folder from its newest message');
      } else if (plan.kind === 'continue') {
        const uids = newUids((await client.search({ uid: `${plan.after + 1}:*` }, { uid: true })) || [], plan.after);
        await this.handleAll(client, path, junk, uids, stored!, false);
      } else {
        const uids = newUids((await client.search({ since: new Date(plan.since) }, { uid: true })) || [], 0);
        const start: FolderCursor = { uidValidity: plan.uidValidity, lastUid: 0, lastDate: stored!.lastDate };
        const handled = await this.handleAll(client, path, junk, uids, start, true);
        // What is older than `since` keeps its new UIDs unread: the cursor moves past the whole folder.
        store.saveCursor(this.name, path, { ...handled, lastUid: Math.max(handled.lastUid, server.uidNext - 1) });
        store.prune(this.name, path, handled.lastDate);
        this.log.info({ event: 'mailbox-uidvalidity', identity: this.name, folder: path, from: stored!.uidValidity, to: plan.uidValidity, candidates: uids.length }, 'the folder was renumbered; re-read since its last date');
      }
    } finally {
      lock.release();
    }
    if (!junk) store.touch(this.name, deps.clock());
  }

  /** Fetch in small batches; each message is handled and its cursor persisted before the next. */
  private async handleAll(client: ImapFlow, path: string, junk: boolean, uids: number[], cursor: FolderCursor, skipSeen: boolean): Promise<FolderCursor> {
    const max = this.ctx.deps.config.mailboxes.maxMessageBytes;
    for (let i = 0; i < uids.length && this.client === client; i += FETCH_BATCH) {
      const batch = uids.slice(i, i + FETCH_BATCH);
      const fetched: ArrivedMail[] = [];
      for await (const m of client.fetch(batch.join(','), { uid: true, flags: true, internalDate: true, size: true, source: { maxLength: max } }, { uid: true })) {
        const internalDate = m.internalDate ? new Date(m.internalDate).getTime() : this.ctx.deps.clock();
        fetched.push({
          identity: this.name, address: this.address(), folder: path, junk, uidValidity: cursor.uidValidity, uid: m.uid,
          flags: [...(m.flags ?? [])], internalDate, raw: m.source ?? Buffer.alloc(0), truncated: (m.size ?? 0) > max,
        });
      }
      fetched.sort((a, b) => a.uid - b.uid);
      for (const mail of fetched) cursor = await this.handleOne(client, mail, cursor, skipSeen);
    }
    return cursor;
  }

  private async handleOne(client: ImapFlow, mail: ArrivedMail, cursor: FolderCursor, skipSeen: boolean): Promise<FolderCursor> {
    const key = messageKey(mail.raw);
    const next = advance(cursor, mail.uid, mail.internalDate);
    if (skipSeen && this.ctx.store.seen(this.name, mail.folder, key)) {
      this.ctx.store.saveCursor(this.name, mail.folder, next);
      return next;
    }
    await this.dispatch(mail, this.actions(client, mail));
    this.ctx.store.handled(this.name, mail.folder, next, key, mail.internalDate);
    this.log.debug({ event: 'mailbox-read', identity: this.name, folder: mail.folder, uid: mail.uid, bytes: mail.raw.length }, 'message read');
    return next;
  }

  /**
   * The handlers in order until one takes it. A handler that fails (a dropped connection under a
   * move, a locked database) leaves the message unread, so the folder's next read tries it again;
   * after HANDLER_TRIES failures it is logged and skipped, so one bad message never jams the folder.
   */
  private async dispatch(mail: ArrivedMail, actions: MailboxActions): Promise<void> {
    const key = `${mail.folder}\0${mail.uidValidity}\0${mail.uid}`;
    for (const h of this.ctx.handlers) {
      try {
        if (await h.handle(mail, actions)) break;
      } catch (error) {
        const tries = (this.handlerFailures.get(key) ?? 0) + 1;
        const fields = { identity: this.name, handler: h.name, folder: mail.folder, uid: mail.uid, tries, error: errorText(error) };
        if (tries < HANDLER_TRIES) {
          this.handlerFailures.set(key, tries);
          this.log.warn({ event: 'mailbox-handler-retry', ...fields }, 'a mail handler failed; the message is read again next time');
          throw error;
        }
        this.log.error({ event: 'mailbox-handler-failed', ...fields }, 'a mail handler failed again; the message is skipped');
        break;
      }
    }
    this.handlerFailures.delete(key);
  }

  private actions(client: ImapFlow, mail: ArrivedMail): MailboxActions {
    return {
      moveToInbox: async () => {
        if (mail.folder !== 'INBOX') await client.messageMove(String(mail.uid), 'INBOX', { uid: true });
      },
      addFlags: async (flags) => {
        await client.messageFlagsAdd(String(mail.uid), flags, { uid: true });
      },
    };
  }

  private address(): string {
    return (this.identity.from.includes('@') ? this.identity.from : this.identity.imap!.user).toLowerCase();
  }

  private dropped(client: ImapFlow): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    this.retryLater(new Error('the connection closed'));
  }

  private failed(error: unknown): void {
    if (this.stopped) return;
    if (isLoginRefused(error)) {
      this.ctx.scheduler.clearPrefix(`${this.name}\0`);
      const retryAt = this.ctx.deps.clock() + authRetryDelayMs(this.ctx.deps.config.mailboxes);
      this.ctx.report(this.name, 'auth-failed', { error: errorText(error), retryAt, failures: this.failures });
      this.log.warn({ event: 'mailbox-login-refused', identity: this.name, host: this.identity.imap!.host, error: errorText(error), retryAt: new Date(retryAt).toISOString() }, 'the mailbox login was refused');
      return this.schedule('connect', retryAt, () => void this.connect());
    }
    this.retryLater(error);
  }

  private retryLater(error: unknown): void {
    this.ctx.scheduler.clearPrefix(`${this.name}\0`);
    this.failures++;
    const retryAt = this.ctx.deps.clock() + reconnectDelayMs(this.failures, this.ctx.deps.config.mailboxes, Math.random());
    this.ctx.report(this.name, 'error', { error: errorText(error), retryAt, failures: this.failures });
    this.log.warn({ event: 'mailbox-disconnected', identity: this.name, error: errorText(error), failures: this.failures, retryAt: new Date(retryAt).toISOString() }, 'mailbox connection failed; reconnecting later');
    this.schedule('connect', retryAt, () => void this.connect());
  }
}
