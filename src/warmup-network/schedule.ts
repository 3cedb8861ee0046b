// When warm-up mail goes: how many originals an identity sends today (a share of its ramp while it
// ramps, then the maintenance level) and when the next one is due, spread over its day. Pure.
import { hashFraction } from '../campaigns/choose.js';
import { effectiveLimits } from '../identities/caps.js';
import type { Identity } from '../identities/types.js';
import { rampCap, warmupDay } from '../pacing/warmup.js';
import { dayKey } from '../pacing/days.js';

export interface VolumeRules {
  rampShare: number;
  maintenancePerDay: number;
}

/**
 * Warm-up originals for `now`'s day: rampShare of the day's ramp value while the identity ramps (at
 * least 1), else maintenancePerDay; never above today's cap (its own cap or the provider's ceiling).
 */
export function dailyTarget(identity: Identity, heldDays: readonly string[], now: number, rules: VolumeRules): number {
  const limits = effectiveLimits(identity, heldDays, now);
  const ramp = identity.warmup;
  const day = ramp && identity.warmupStart ? warmupDay(identity.warmupStart, dayKey(now, identity.timeZone), heldDays) : null;
  const wanted = ramp && day !== null && limits.warming ? Math.max(1, Math.round(rampCap(ramp, day) * rules.rampShare)) : rules.maintenancePerDay;
  return limits.capToday === null ? wanted : Math.min(wanted, limits.capToday);
}

export interface DayBounds {
  start: number;
  end: number;
}

/**
 * When the next warm-up original is due: the day is cut into `target` equal slots and send k goes at
 * a stable point inside slot k (seeded by `seed`, e.g. identity and day), so sends look spread, not
 * batched. Returns `bounds.end` (tomorrow) when today's target is reached. A time in the past means
 * due now (the caller sends one per identity and tick, so a late start catches up gradually).
 */
export function nextSendAt(sentToday: number, target: number, bounds: DayBounds, seed: string): number {
  if (sentToday >= target) return bounds.end;
  const slot = (bounds.end - bounds.start) / target;
  const within = 0.1 + 0.8 * hashFraction(`${seed}/${sentToday}`);
  return Math.floor(bounds.start + slot * (sentToday + within));
}
