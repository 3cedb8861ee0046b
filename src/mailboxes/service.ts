// The mailbox watcher of `petrel serve`: one MailboxWatcher per identity with an IMAP side, kept in
// step with the identity list (re-read every 5 s and on wake()); a changed setting or password
// reconnects. Writes each mailbox's state to mailbox_status and raises mailbox.failed / .recovered.
import { EventStore } from '../events/store.js';
import { IdentityStore } from '../identities/store.js';
import { authSource, versionOf } from './client.js';
import type { MailDeps } from './deps.js';
import { Gate, Scheduler } from './scheduler.js';
import { MailboxStore, type MailboxState } from './store.js';
import type { MailHandler } from './types.js';
import { MailboxWatcher, type WatchContext } from './watcher.js';

/** The identity list is read this often: an identity added or changed by the CLI is watched within seconds (a list and an AES-GCM open per identity: cheap for hundreds). */
const RECONCILE_MS = 5_000;
/** A broken connection is an event only once reconnecting failed too (a blip is not news). */
const FAILURES_BEFORE_EVENT = 2;

export interface RunningMailboxes {
  /** Re-read the identity list now (an identity was added, changed or removed). */
  wake(): void;
  stop(): Promise<void>;
}

export function startMailboxService(deps: MailDeps, handlers: readonly MailHandler[]): RunningMailboxes {
  return new MailboxService(deps, handlers);
}

class MailboxService implements RunningMailboxes {
  private readonly watchers = new Map<string, MailboxWatcher>();
  private readonly store: MailboxStore;
  private readonly events: EventStore;
  private readonly scheduler: Scheduler;
  private readonly ctx: WatchContext;
  /** Identities whose failure was announced (and whose recovery will be). */
  private readonly failing = new Set<string>();
  private stopped = false;

  constructor(private readonly deps: MailDeps, handlers: readonly MailHandler[]) {
    this.store = new MailboxStore(deps.db);
    this.events = new EventStore(deps.db);
    this.scheduler = new Scheduler(deps.clock);
    this.ctx = {
      deps, store: this.store, scheduler: this.scheduler, handlers,
      gate: new Gate(deps.config.mailboxes.connectConcurrency),
      report: (identity, state, detail) => this.report(identity, state, detail),
    };
    for (const s of this.store.statuses()) if (s.state === 'auth-failed' || s.state === 'error') this.failing.add(s.identity);
    this.reconcile();
  }

  wake(): void {
    if (!this.stopped) this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.stop()));
    for (const w of all) this.store.setStatus({ identity: w.identity.name, state: 'stopped', error: null, since: this.deps.clock(), retryAt: null, checkedAt: null });
  }

  private reconcile(): void {
    try {
      this.sync();
    } catch (error) {
      this.deps.log.error({ event: 'mailbox-reconcile-failed', error: String(error) }, 'reading the identities with mailboxes failed');
    }
    this.scheduler.set('\0reconcile', this.deps.clock() + RECONCILE_MS, () => this.reconcile());
  }

  private sync(): void {
    const identities = new IdentityStore(this.deps.db, this.deps.secretKey);
    const wanted = identities.list().filter((i) => i.imap);
    const previous = new Map(this.store.statuses().map((s) => [s.identity, s]));
    for (const identity of wanted) {
      const secret = identities.secretOf(identity.name);
      const version = versionOf(identity, secret);
      const current = this.watchers.get(identity.name);
      if (current?.version === version) continue;
      if (current) void current.stop();
      const w = new MailboxWatcher(identity, version, authSource(identity, secret), this.ctx);
      this.watchers.set(identity.name, w);
      w.start(current ? undefined : this.resumeAt(previous.get(identity.name), identity.changedAt ?? identity.createdAt));
    }
    const names = new Set(wanted.map((i) => i.name));
    for (const [name, w] of this.watchers) {
      if (names.has(name)) continue;
      this.watchers.delete(name);
      void w.stop();
      this.store.removeStatus(name);
      this.failing.delete(name);
    }
  }

  /** After a restart a refused login waits out its retry time, unless the identity changed since. */
  private resumeAt(status: { state: string; since: number; retryAt: number | null } | undefined, changedAt: number): number | undefined {
    if (status?.state !== 'auth-failed' || status.retryAt === null || changedAt > status.since) return undefined;
    return status.retryAt;
  }

  private report(identity: string, state: MailboxState, detail: { error?: string; retryAt?: number; failures: number }): void {
    if (this.stopped) return;
    const now = this.deps.clock();
    this.store.setStatus({ identity, state, error: detail.error ?? null, since: now, retryAt: detail.retryAt ?? null, checkedAt: state === 'idle' || state === 'polling' ? now : null });
    const failed = state === 'auth-failed' || (state === 'error' && detail.failures >= FAILURES_BEFORE_EVENT);
    if (failed && !this.failing.has(identity)) {
      this.failing.add(identity);
      this.events.append([{ at: now, type: 'mailbox.failed', reason: state, text: detail.error ?? null, data: { identity, state, error: detail.error ?? null } }]);
    } else if ((state === 'idle' || state === 'polling') && this.failing.delete(identity)) {
      this.events.append([{ at: now, type: 'mailbox.recovered', data: { identity, state } }]);
      this.deps.log.info({ event: 'mailbox-recovered', identity }, 'the mailbox is connected again');
    }
  }
}
