// The send gate: for each job of an identity, how many recipients may go now (caps, warm-up, gaps,
// provider rates, pauses and suspensions), or when its next slot is and why. Counters, identities and
// actions are cached here; the store is the truth (identities re-read every second, counts from attempts).
import { effectiveLimits } from '../identities/caps.js';
import type { IdentityStore } from '../identities/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { ShapingAction, ShapingActionStore } from './actions.js';
import { sourceKeyOf } from './actions.js';
import { Counters, type BucketCounter } from './counters.js';
import { decideSend, type BucketView, type Hold, type Limits, type SendDecision } from './decide.js';
import type { Clock } from '../util/clock.js';

const REFRESH_MS = 1000;
/** While something holds an identity back, look for a change at most this often. */
const RECHECK_MS = 100;

/** Caps of a sending domain or a source IP shared by several identities (config `sending`). */
export interface SharedCap {
  daily?: number | undefined;
  hourly?: number | undefined;
}

export interface GateConfig {
  domainCaps: ReadonlyMap<string, SharedCap>;
  sourceCaps: ReadonlyMap<string, SharedCap>;
  /** Zone of the shared caps' days. */
  timeZone: string;
  /** The minimum gap is stretched by up to this fraction at random. */
  jitter: number;
  /** A paused identity's mail is looked at again this often (resume wakes it at once). */
  pausedRecheckMs: number;
}

/** The provider's per-minute limits for the destination of a job (src/shaping). */
export interface ProviderLimits {
  name: string;
  messagesPerMinutePerSource?: number | undefined;
  messagesPerMinutePerIdentity?: number | undefined;
}

export interface Reservation {
  buckets: BucketCounter[];
  count: number;
  at: number;
}

export class SendGate {
  private readonly counters: Counters;
  private identities = new Map<string, Identity>();
  private holds = new Map<string, string[]>();
  private actions: ShapingAction[] = [];
  private refreshedAt = -Infinity;
  /** The last slot handed to mail waiting for an identity's pace (in memory: a restart re-spreads). */
  private readonly paceSlots = new Map<string, number>();
  /** Jobs (by key) that already got a pace slot: when one comes back early it is next, not last. */
  private readonly slotted = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly store: IdentityStore,
    private readonly actionStore: ShapingActionStore,
    private readonly config: GateConfig,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.counters = new Counters(countLoader(db));
  }

  /** The identity named `name`, as of at most a second ago; null when unknown. */
  identity(name: string): Identity | null {
    this.refresh();
    return this.identities.get(name) ?? null;
  }

  /** Actions in force now (cached). */
  actionsInForce(): readonly ShapingAction[] {
    this.refresh();
    const now = this.clock();
    return this.actions.filter((a) => a.endsAt > now);
  }

  /** Re-read identities, warm-up holds and actions now (after a change this process made). */
  invalidate(): void {
    this.refreshedAt = -Infinity;
  }

  /** A new action (this process made it): in force at once. */
  addAction(action: ShapingAction): void {
    this.actions.push(action);
  }

  /** Decide for `want` recipients of `identity` towards `provider`; reserve what is admitted. */
  admit(cached: Identity, want: number, provider: ProviderLimits | null, key?: string): { decision: SendDecision; reservation: Reservation | null } {
    const now = this.clock();
    let identity = cached;
    let holds = this.holdsOf(identity, provider?.name ?? null, now);
    // A hold may have ended from outside (resume, `shaping clear`) within the last second: look again.
    if (holds.length > 0 && Date.now() - this.refreshedAt >= RECHECK_MS) {
      this.invalidate();
      identity = this.identity(cached.name) ?? cached;
      holds = this.holdsOf(identity, provider?.name ?? null, now);
    }
    const views = this.buckets(identity, provider, now);
    const decision = decideSend(now, want, holds, views.map((v) => v.view));
    if ('until' in decision) return { decision: this.spread(identity.name, decision, key), reservation: null };
    if (key !== undefined) this.slotted.delete(key);
    const gap = identity.minGapMs > 0 ? identity.minGapMs * (1 + this.random() * this.config.jitter) : 0;
    for (const v of views) this.counters.reserve(v.counter, decision.admit, now, v.gap ? gap : 0);
    return { decision, reservation: { buckets: views.map((v) => v.counter), count: decision.admit, at: now } };
  }

  /** Mail waiting for a pace gets successive slots, not one slot it would all be claimed at again. */
  private spread(name: string, d: Extract<SendDecision, { until: number }>, key: string | undefined): SendDecision {
    if (!d.spacingMs || key === undefined) return d;
    if (this.slotted.has(key)) return d; // its slot came; the pace still holds it a moment: it is next
    if (this.slotted.size > 100_000) this.slotted.clear(); // bounded; forgetting only re-spreads
    this.slotted.add(key);
    const last = this.paceSlots.get(name) ?? -Infinity;
    const until = Math.max(d.until, last + d.spacingMs);
    this.paceSlots.set(name, until);
    return { ...d, until };
  }

  /** `identity`'s daily cap today (own cap, ceiling, warm-up ramp), null when it has none. */
  capToday(identity: Identity): number | null {
    return effectiveLimits(identity, this.holds.get(identity.name) ?? [], this.clock()).capToday;
  }

  /** Give back `n` of a reservation's sends (they were never attempted). */
  release(reservation: Reservation, n: number): void {
    if (n <= 0) return;
    for (const b of reservation.buckets) this.counters.release(b, Math.min(n, reservation.count), reservation.at);
  }

  /** The per-minute rate a throttle of `factor` leaves for `identity`'s source towards `provider`. */
  throttledRate(identity: Identity, provider: ProviderLimits | null, factor: number): number {
    const now = this.clock();
    const base = this.rateLimit(identity, provider, now) ?? observedRate(this.counters.get(providerSourceKey(identity, provider), 'UTC', now), now);
    return Math.max(1, Math.floor(base * factor));
  }

  private buckets(identity: Identity, provider: ProviderLimits | null, now: number): Array<{ view: BucketView; counter: BucketCounter; gap: boolean }> {
    const limits = effectiveLimits(identity, this.holds.get(identity.name) ?? [], now);
    const out: Array<{ view: BucketView; counter: BucketCounter; gap: boolean }> = [];
    const add = (key: string, zone: string, label: string, l: Limits, gap = false) => {
      const counter = this.counters.get(key, zone, now);
      out.push({ view: { label, limits: l, ...counter }, counter, gap });
    };
    add(`id:${identity.name}`, identity.timeZone, '', clean({ daily: limits.capToday, hourly: limits.hourly, perMinute: limits.perMinute, minGapMs: identity.minGapMs || undefined }), true);
    const domainCap = this.config.domainCaps.get(identity.domain);
    if (domainCap) add(`dom:${identity.domain}`, this.config.timeZone, `domain ${identity.domain}`, clean(domainCap));
    const sourceCap = identity.source ? this.config.sourceCaps.get(identity.source) : undefined;
    if (sourceCap && identity.source) add(`src:${identity.source}`, this.config.timeZone, `source ${identity.source}`, clean(sourceCap));
    if (provider) {
      const rate = this.rateLimit(identity, provider, now);
      if (rate !== null) add(providerSourceKey(identity, provider), 'UTC', provider.name, { perMinute: rate });
      const perIdentity = provider.messagesPerMinutePerIdentity;
      if (perIdentity !== undefined) add(`pi:${identity.name}|${provider.name}`, 'UTC', `${provider.name} per-identity`, { perMinute: perIdentity });
    }
    return out;
  }

  /** The per-minute limit towards `provider` from `identity`'s source: a throttle in force, else the rule. */
  private rateLimit(identity: Identity, provider: ProviderLimits | null, now: number): number | null {
    const scope = `source:${sourceKeyOf(identity)}`;
    const throttles = this.actions.filter((a) => a.kind === 'throttle' && a.endsAt > now && a.rate !== null
      && (a.scope === scope || a.scope === `identity:${identity.name}`) && (a.provider === null || a.provider === (provider?.name ?? null)));
    const rates = throttles.map((a) => a.rate!);
    if (provider?.messagesPerMinutePerSource !== undefined) rates.push(provider.messagesPerMinutePerSource);
    return rates.length > 0 ? Math.min(...rates) : null;
  }

  private holdsOf(identity: Identity, provider: string | null, now: number): Hold[] {
    const holds: Hold[] = [];
    if (identity.state === 'paused') holds.push({ reason: `paused: ${identity.reason ?? 'by the operator'}`, until: now + this.config.pausedRecheckMs });
    const scopes = new Set([`identity:${identity.name}`, `source:${sourceKeyOf(identity)}`]);
    for (const a of this.actions) {
      if (a.kind !== 'suspend' || a.endsAt <= now || !scopes.has(a.scope)) continue;
      if (a.provider !== null && a.provider !== provider) continue;
      holds.push({ reason: `suspended: ${a.rule}${a.provider ? ` towards ${a.provider}` : ''} until ${new Date(a.endsAt).toISOString()}`, until: a.endsAt });
    }
    return holds;
  }

  private refresh(): void {
    const real = Date.now();
    if (real - this.refreshedAt < REFRESH_MS) return;
    this.refreshedAt = real;
    const list = this.store.list();
    for (const old of this.identities.values()) {
      const now = list.find((i) => i.name === old.name);
      if (!now || now.dailyCap !== old.dailyCap || now.timeZone !== old.timeZone) this.counters.forget(`id:${old.name}`);
    }
    this.identities = new Map(list.map((i) => [i.name, i]));
    this.holds = loadHolds(this.db);
    this.actions = this.actionStore.inForce(this.clock());
  }
}

function providerSourceKey(identity: Identity, provider: ProviderLimits | null): string {
  return `ps:${sourceKeyOf(identity)}|${provider?.name ?? 'other'}`;
}

/** Sends per minute over the last ten minutes (at least 1): the base of a throttle without a rule rate. */
function observedRate(b: BucketCounter, now: number): number {
  const recent = b.recent.filter((t) => t >= now - 600_000).length;
  return Math.max(1, Math.round(recent / 10));
}

function clean(l: { daily?: number | null | undefined; hourly?: number | null | undefined; perMinute?: number | null | undefined; minGapMs?: number | undefined }): Limits {
  const out: Limits = {};
  if (l.daily != null) out.daily = l.daily;
  if (l.hourly != null) out.hourly = l.hourly;
  if (l.perMinute != null) out.perMinute = l.perMinute;
  if (l.minGapMs) out.minGapMs = l.minGapMs;
  return out;
}

function loadHolds(db: Db): Map<string, string[]> {
  const rows = db.prepare('SELECT identity, day FROM warmup_holds').all() as Array<{ identity: string; day: string }>;
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.identity, [...(map.get(r.identity) ?? []), r.day]);
  return map;
}

/** Counts of a bucket from the attempts table: an identity's own, or of every identity of a domain or source. */
function countLoader(db: Db) {
  const where: Record<string, string> = {
    id: 'identity = ?',
    dom: 'identity IN (SELECT name FROM identities WHERE domain = ?)',
    src: 'identity IN (SELECT name FROM identities WHERE source = ?)',
  };
  return (key: string, dayStart: number, since: number, now: number) => {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const clause = where[kind];
    if (!clause) return { sentToday: 0, recent: [] }; // provider rates live in memory only
    const value = key.slice(colon + 1);
    const sentToday = db.prepare(`SELECT count(*) FROM attempts WHERE ${clause} AND at >= ? AND at <= ?`).pluck().get(value, dayStart, now) as number;
    const recent = db.prepare(`SELECT at FROM attempts WHERE ${clause} AND at >= ? AND at <= ? ORDER BY at`).pluck().all(value, since, now) as number[];
    return { sentToday, recent };
  };
}
