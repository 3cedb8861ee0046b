// The reputation monitor of `petrel serve`: every checkIntervalSeconds, and soon after a bad reply
// (poke), it judges each active identity's 24-hour figures and pauses those over a threshold (an
// 'identity.paused' event with the figures). Errors are logged; the next round tries again.
import { IdentityFigures } from '../identities/figures.js';
import { pauseIdentity } from '../identities/control.js';
import type { IdentityStore } from '../identities/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { judge, type Thresholds } from './thresholds.js';

export interface MonitorDeps {
  db: Db;
  store: IdentityStore;
  thresholds: Thresholds;
  intervalMs: number;
  clock: Clock;
  log: Logger;
  /** After a pause: the gate re-reads identities. */
  onPause?: (identity: string) => void;
  /** A reputation signal today (complaints): hold the warm-up ramp. */
  onSignal?: (identity: Identity, reason: string) => void;
}

export class ReputationMonitor {
  private readonly figures: IdentityFigures;
  private timer: NodeJS.Timeout | null = null;
  private poked = new Set<string>();
  private pokeQueued = false;
  private readonly warned = new Map<string, string>();

  constructor(private readonly deps: MonitorDeps) {
    this.figures = new IdentityFigures(deps.db);
  }

  start(): void {
    this.timer = setInterval(() => this.checkAll(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Look at `identity` again soon (a bounce or a block came in); coalesced. */
  poke(identity: string): void {
    this.poked.add(identity);
    if (this.pokeQueued) return;
    this.pokeQueued = true;
    setTimeout(() => {
      this.pokeQueued = false;
      const names = [...this.poked];
      this.poked.clear();
      for (const name of names) {
        const identity = this.deps.store.get(name);
        if (identity) this.check(identity);
      }
    }, 200).unref();
  }

  /** Judge every identity that is not paused. */
  checkAll(): void {
    try {
      for (const identity of this.deps.store.list()) this.check(identity);
    } catch (error) {
      this.deps.log.error({ event: 'reputation-check-failed', err: error }, 'could not check identity reputation');
    }
  }

  private check(identity: Identity): void {
    if (identity.state === 'paused') return;
    const now = this.deps.clock();
    // After a resume only what happened since counts: the old figures were already acted upon.
    const figures = this.figures.over24h(identity, now, identity.changedAt ?? 0);
    if (figures.complaints > 0) this.deps.onSignal?.(identity, 'complaint');
    const verdict = judge(figures, this.deps.thresholds);
    if (verdict.kind === 'warn' && this.warned.get(identity.name) !== verdict.reason) {
      this.warned.set(identity.name, verdict.reason);
      this.deps.log.warn({ event: 'identity-reputation-warning', identity: identity.name, ...figures }, verdict.reason);
    }
    if (verdict.kind !== 'pause') return;
    pauseIdentity(this.deps.db, identity.name, { reason: verdict.reason, by: 'auto', now, detail: { figures } });
    this.deps.onSignal?.(identity, verdict.reason);
    this.deps.log.warn({ event: 'identity-auto-paused', identity: identity.name, ...figures }, `paused ${identity.name}: ${verdict.reason}`);
    this.deps.onPause?.(identity.name);
  }
}
