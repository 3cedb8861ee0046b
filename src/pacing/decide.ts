// "May this identity send now?" as a pure function of its counters, limits, holds and the clock:
// how many recipients to admit, or when the next slot is and why not now. The gate (gate.ts) keeps
// the counters; nothing here reads a clock or a store.

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The limits of one bucket (an identity, its sending domain, its source IP, a provider rate). */
export interface Limits {
  daily?: number;
  hourly?: number;
  perMinute?: number;
  /** Minimum time between two sends (jobs) of this bucket. */
  minGapMs?: number;
}

export interface BucketView {
  /** What the reason names: "daily cap", "domain d.test hourly cap", "google rate" ... */
  label: string;
  limits: Limits;
  sentToday: number;
  /** Send times within the last hour, ascending (one entry per recipient). */
  recent: readonly number[];
  /** No send before this (minimum gap plus jitter after the last send). */
  nextSendAt: number;
  /** When today (in the bucket's zone) ends: the daily cap frees up then. */
  dayEndsAt: number;
}

/** Something that stops sending outright until a time: a pause, a suspension. */
export interface Hold {
  reason: string;
  until: number;
}

/**
 * A wait for a pace (minimum gap, per-minute rate) also says how far apart the slots are, so the gate
 * can give the mail waiting behind it successive slots instead of one they would all crowd into.
 */
export type SendDecision = { admit: number } | { admit: 0; until: number; reason: string; spacingMs?: number };

/** Admit up to `want` recipients now, or say when the next slot is. */
export function decideSend(now: number, want: number, holds: readonly Hold[], buckets: readonly BucketView[]): SendDecision {
  const held = holds.filter((h) => h.until > now).sort((a, b) => b.until - a.until)[0];
  if (held) return { admit: 0, until: held.until, reason: held.reason };
  let admit = want;
  let wait: { until: number; reason: string; spacingMs?: number } | null = null;
  for (const b of buckets) {
    const room = roomIn(now, b);
    if (room.count > 0) {
      admit = Math.min(admit, room.count);
      continue;
    }
    if (!wait || room.until > wait.until) wait = { until: room.until, reason: `throttled: ${room.why}`, ...(room.spacingMs ? { spacingMs: room.spacingMs } : {}) };
  }
  return wait ? { admit: 0, ...wait } : { admit };
}

/** How many sends one bucket allows now, or when it allows one again. */
function roomIn(now: number, b: BucketView): { count: number; until: number; why: string; spacingMs?: number } {
  const { daily, hourly, perMinute, minGapMs } = b.limits;
  const label = (what: string) => (b.label ? `${b.label} ${what}` : what);
  if (daily !== undefined && b.sentToday >= daily) return { count: 0, until: b.dayEndsAt, why: label('daily cap') };
  if (hourly !== undefined) {
    const inHour = countSince(b.recent, now - HOUR);
    if (inHour >= hourly) return { count: 0, until: freeAt(b.recent, hourly, HOUR), why: label('hourly cap') };
  }
  if (perMinute !== undefined) {
    const inMinute = countSince(b.recent, now - MINUTE);
    if (inMinute >= perMinute) return { count: 0, until: freeAt(b.recent, perMinute, MINUTE), why: label(`rate ${perMinute}/min`), spacingMs: Math.ceil(MINUTE / perMinute) };
  }
  if (minGapMs && b.nextSendAt > now) return { count: 0, until: b.nextSendAt, why: label('min gap'), spacingMs: minGapMs };
  const left = (cap: number | undefined, used: number) => (cap === undefined ? Infinity : cap - used);
  const count = Math.min(
    left(daily, b.sentToday),
    left(hourly, countSince(b.recent, now - HOUR)),
    left(perMinute, countSince(b.recent, now - MINUTE)),
  );
  return { count, until: now, why: '' };
}

/** Entries of the ascending list `times` at or after `since`. */
export function countSince(times: readonly number[], since: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < since) lo = mid + 1;
    else hi = mid;
  }
  return times.length - lo;
}

/** When a window of `span` holding `cap` of the ascending `times` has room for one more. */
function freeAt(times: readonly number[], cap: number, span: number): number {
  const oldestCounted = times[times.length - cap]!;
  return oldestCounted + span + 1;
}
