// Scheduled health checks (sending.reputation.blocklistIntervalSeconds, default 6 h): every identity's
// sending domain on the domain lists, every source IP on the IP lists — a listing pauses the identities
// that send from it — and `domain check` of each domain, whose failures are logged as warnings.
// Unknown answers (refused, DNS errors) never pause; errors are logged and the next round tries again.
import { ipLabels, queryList } from '../auth/health/blocklists.js';
import type { HealthContext } from '../auth/health/context.js';
import { checkDomain } from '../auth/health/domain-check.js';
import { domainToCheck } from '../auth/domain-setup.js';
import { pauseIdentity } from '../identities/control.js';
import type { IdentityStore } from '../identities/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface BlocklistWatchDeps {
  db: Db;
  store: IdentityStore;
  ctx: HealthContext;
  /** delivery.sources: IPs that unbound mta identities may send from. */
  sharedSources: string[];
  intervalMs: number;
  clock: Clock;
  log: Logger;
  onPause?: (identity: string) => void;
}

interface Listing {
  subject: string;
  list: string;
  codes: string[];
}

export class BlocklistWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: BlocklistWatchDeps) {}

  /** Check now (at start), then every intervalMs. */
  start(): void {
    if (this.deps.intervalMs <= 0) return;
    void this.run();
    this.timer = setInterval(() => void this.run(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round; concurrent calls share it. */
  run(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      const identities = this.deps.store.list().filter((i) => i.state !== 'paused');
      if (identities.length === 0) return;
      const listings = await this.lookups(identities);
      for (const l of listings) this.pauseFor(l, identities);
      await this.domainChecks([...new Set(identities.map((i) => i.domain))]);
    } catch (error) {
      this.deps.log.error({ event: 'blocklist-check-failed', err: error }, 'scheduled blocklist check failed');
    }
  }

  private async lookups(identities: Identity[]): Promise<Listing[]> {
    const { ctx } = this.deps;
    const domains = [...new Set(identities.map((i) => i.domain))];
    const ips = [...new Set([...identities.flatMap((i) => (i.source ? [i.source] : [])), ...this.deps.sharedSources])];
    const queries = [
      ...domains.flatMap((d) => ctx.blocklists.domain.map((list) => ({ subject: d, list, name: `${d}.${list}` }))),
      ...ips.flatMap((ip) => ctx.blocklists.ip.map((list) => ({ subject: ip, list, name: `${ipLabels(ip)}.${list}` }))),
    ];
    const answers = await Promise.all(queries.map(async (q) => ({ q, a: await queryList(ctx, q.name, q.list) })));
    return answers.flatMap(({ q, a }) => (a.kind === 'listed' ? [{ subject: q.subject, list: q.list, codes: a.codes }] : []));
  }

  /** `domain check` of each domain (blocklists aside: done above, per identity): failures are warnings. */
  private async domainChecks(domains: string[]): Promise<void> {
    for (const name of domains) {
      const report = await checkDomain(this.deps.ctx, domainToCheck(this.deps.db, name));
      const failed = report.findings.filter((f) => f.status === 'fail' && f.area !== 'blocklists' && f.area !== 'checklist');
      for (const f of failed) this.deps.log.warn({ event: 'domain-check-failed', domain: name, area: f.area, check: f.check, fix: f.fix }, `domain check of ${name}: ${f.message}`);
    }
  }

  /** Pause every identity that sends from the listed domain or IP. */
  private pauseFor(l: Listing, identities: Identity[]): void {
    const shared = this.deps.sharedSources.includes(l.subject);
    const hit = identities.filter((i) => i.domain === l.subject || i.source === l.subject || (shared && i.via === 'mta' && !i.source));
    const reason = `blocklisted: ${l.subject} is listed on ${l.list} (${l.codes.join(', ')})`;
    for (const identity of hit) {
      if (this.deps.store.get(identity.name)?.state === 'paused') continue;
      pauseIdentity(this.deps.db, identity.name, { reason, by: 'auto', now: this.deps.clock(), detail: { blocklist: l.list, subject: l.subject, codes: l.codes } });
      this.deps.log.warn({ event: 'identity-auto-paused', identity: identity.name, blocklist: l.list, subject: l.subject }, `paused ${identity.name}: ${reason}`);
      this.deps.onPause?.(identity.name);
    }
  }
}
