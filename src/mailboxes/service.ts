// The mailbox watcher of `petrel serve`: one MailboxWatcher per identity with an IMAP side, kept in
// step with the identity list (re-read every 5 s and on wake()); a changed setting or password
// reconnects; in cluster mode only the mailboxes whose lease it holds. Writes mailbox_status and raises
// mailbox.failed / .recovered. A failed lease round keeps the watchers as they were until the next.
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

/** Cluster mode: which mailboxes this node may watch (leases `mailbox:<identity>` in PostgreSQL). */
export interface MailboxLeases {
  /** Take or renew the leases of these identities; the ones held afterwards. */
  acquire(identities: string[]): Promise<Set<string>>;
  release(): Promise<void>;
  /** How often to renew them: well inside their time to live. */
  renewMs: number;
}

export interface RunningMailboxes {
  /** Re-read the identity list now (an identity was added, changed or removed). */
  wake(): void;
  stop(): Promise<void>;
}

export function startMailboxService(deps: MailDeps, handlers: readonly MailHandler[], leases: MailboxLeases | null = null): RunningMailboxes {
  return new MailboxService(deps, handlers, leases);
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
  /** Cluster mode: the identities this node holds the lease of (null: all, single node). */
  private held: Set<string> | null = null;
  private leasing: Promise<void> | null = null;

  constructor(private readonly deps: MailDeps, handlers: readonly MailHandler[], private readonly leases: MailboxLeases | null) {
    this.store = new MailboxStore(deps.db);
    this.events = new EventStore(deps.db);
    this.scheduler = new Scheduler(deps.clock);
    this.ctx = {
      deps, store: this.store, scheduler: this.scheduler, handlers,
      gate: new Gate(deps.config.mailboxes.connectConcurrency),
      report: (identity, state, detail) => this.report(identity, state, detail),
    };
    for (const s of this.store.statuses()) if (s.state === 'auth-failed' || s.state === 'error') this.failing.add(s.identity);
    if (leases) this.held = new Set();
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
    await this.leasing;
    if (this.leases) {
      // Another node takes the mailboxes over now: leave their status to it.
      await this.leases.release().catch((err: unknown) => this.deps.log.warn({ event: 'mailbox-lease-release-failed', error: String(err) }, 'giving up the mailbox leases failed'));
      return;
    }
    for (const w of all) this.store.setStatus({ identity: w.identity.name, state: 'stopped', error: null, since: this.deps.clock(), retryAt: null, checkedAt: null });
  }

  private reconcile(): void {
    if (this.leases) this.renewLeases();
    else this.syncLogged();
    const every = this.leases ? Math.min(RECONCILE_MS, this.leases.renewMs) : RECONCILE_MS;
    this.scheduler.set('\0reconcile', this.deps.clock() + every, () => this.reconcile());
  }

  private syncLogged(): void {
    try {
      this.sync();
    } catch (error) {
      this.deps.log.error({ event: 'mailbox-reconcile-failed', error: String(error) }, 'reading the identities with mailboxes failed');
    }
  }

  /** Take or renew the lease of every IMAP identity, then watch the ones held (one round at a time). */
  private renewLeases(): void {
    if (this.leasing || this.stopped) return;
    const names = new IdentityStore(this.deps.db, this.deps.secretKey).list().filter((i) => i.imap).map((i) => i.name);
    this.leasing = this.leases!.acquire(names)
      .then((held) => {
        if (this.stopped) return;
        this.held = held;
        this.syncLogged();
      })
      .catch((error: unknown) => this.deps.log.warn({ event: 'mailbox-leases-failed', error: String(error) }, 'renewing the mailbox leases failed'))
      .finally(() => {
        this.leasing = null;
      });
  }

  private sync(): void {
    const identities = new IdentityStore(this.deps.db, this.deps.secretKey);
    const imap = identities.list().filter((i) => i.imap);
    const wanted = this.held ? imap.filter((i) => this.held!.has(i.name)) : imap;
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
    const exist = new Set(imap.map((i) => i.name));
    for (const [name, w] of this.watchers) {
      if (names.has(name)) continue;
      this.watchers.delete(name);
      void w.stop();
      this.failing.delete(name);
      if (!exist.has(name)) this.store.removeStatus(name); // a lost lease: the new holder reports its status
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
