// Switches signing to a rotated DKIM key by itself once DNS shows it: `petrel serve` checks pending
// keys at start and every few minutes. A DNS failure leaves the key pending; nothing here throws.
import type { Resolver } from '../dns/types.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { activateDkimKey, listDkimKeys } from './dkim-keys.js';
import { publishedDkimKey } from './dkim-dns.js';

export interface ActivationDeps {
  db: Db;
  resolver: Resolver;
  retireDays: number;
  log: Logger;
  intervalMs?: number; // default 10 minutes
}

export class DkimActivator {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ActivationDeps) {}

  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.deps.intervalMs ?? 600_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Activate every pending key whose exact p= is published; returns how many were switched. */
  async runOnce(): Promise<number> {
    let switched = 0;
    try {
      for (const key of listDkimKeys(this.deps.db).filter((k) => k.state === 'pending')) {
        const seen = await publishedDkimKey(this.deps.resolver, key.domain, key.selector);
        if (!seen.ok || seen.p !== key.publicKey) continue;
        activateDkimKey(this.deps.db, key.domain, key.selector, Date.now(), this.deps.retireDays);
        this.deps.log.info({ event: 'dkim-activated', domain: key.domain, selector: key.selector }, 'DNS shows the new DKIM key: signing with it now');
        switched++;
      }
    } catch (error) {
      this.deps.log.error({ event: 'dkim-activation-failed', err: error }, 'could not check pending DKIM keys');
    }
    return switched;
  }
}
