// An identity's effective limits: today's cap (its own cap, the provider's ceiling and the warm-up
// ramp, whichever is lowest), hourly cap and per-minute ceiling, and its state as users see it. Pure.
import { dayKey } from '../pacing/days.js';
import { isWarming, rampCap, warmupDay } from '../pacing/warmup.js';
import type { Identity, IdentityState } from './types.js';

export interface EffectiveLimits {
  warmupDay: number | null;
  /** Today's cap; null: none. */
  capToday: number | null;
  hourly: number | null;
  perMinute: number | null;
  warming: boolean;
}

const lowest = (...values: Array<number | undefined>): number | null => {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length > 0 ? Math.min(...set) : null;
};

/** The limits in force on `now`'s day, given the identity's held warm-up days. */
export function effectiveLimits(identity: Identity, heldDays: readonly string[], now: number): EffectiveLimits {
  const today = dayKey(now, identity.timeZone);
  const day = identity.warmup && identity.warmupStart ? warmupDay(identity.warmupStart, today, heldDays) : null;
  const ramp = identity.warmup && day !== null ? rampCap(identity.warmup, day) : undefined;
  return {
    warmupDay: day,
    capToday: lowest(identity.dailyCap, identity.hardCaps.daily, ramp),
    hourly: lowest(identity.hourlyCap, identity.hardCaps.hourly),
    perMinute: lowest(identity.hardCaps.perMinute),
    warming: identity.warmup !== undefined && day !== null && isWarming(identity.warmup, day),
  };
}

/** paused (stored) > suspended (a suspension in force) > warming (ramp below target) > active. */
export function stateOf(identity: Identity, limits: EffectiveLimits, suspended: boolean): IdentityState {
  if (identity.state === 'paused') return 'paused';
  if (suspended) return 'suspended';
  return limits.warming ? 'warming' : 'active';
}
