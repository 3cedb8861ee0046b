// Preflight's `capacity` and the estimate: today's caps of the campaign's identities (paused ones give
// 0, no cap is unlimited) against dailyLimit, and the days step 1 and the whole sequence take. Pure
// but for reading the warm-up holds; store errors propagate to the caller's guard.
import { effectiveLimits } from '../identities/caps.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { Campaign } from './definition.js';
import { item, plural, type PreflightItem, type PreflightReport } from './preflight-types.js';

/** The sum of today's caps; null when an active identity has no cap (then nothing bounds the pool). */
export function dailyCapacity(db: Db, identities: readonly Identity[], now: number): number | null {
  const holds = db.prepare('SELECT day FROM warmup_holds WHERE identity = ?').pluck();
  let sum = 0;
  for (const identity of identities) {
    if (identity.state === 'paused') continue;
    const cap = effectiveLimits(identity, holds.all(identity.name) as string[], now).capToday;
    if (cap === null) return null;
    sum += cap;
  }
  return sum;
}

/** Days to send `messages` at `perDay` a day; null when nothing bounds the rate or nothing can be sent. */
export function daysFor(messages: number, perDay: number | null): number | null {
  if (messages === 0) return 0;
  if (perDay === null || perDay === 0) return null;
  return Math.ceil(messages / perDay);
}

/** The estimate of the report: sendable contacts, capacity and the days step 1 takes. */
export function estimateFor(contacts: number, capacity: number | null, dailyLimit: number | undefined): PreflightReport['estimate'] {
  return { contacts, dailyCapacity: capacity, days: daysFor(contacts, minRate(capacity, dailyLimit)) };
}

/** `capacity`: fail when the pool cannot send dailyLimit a day today (or nothing at all); the estimate otherwise. */
export function capacityItem(campaign: Pick<Campaign, 'dailyLimit' | 'steps'>, estimate: PreflightReport['estimate']): PreflightItem {
  const { contacts, dailyCapacity: capacity, days } = estimate;
  const limit = campaign.dailyLimit;
  const total = contacts * campaign.steps.length;
  const allDays = daysFor(total, capacity);
  const details = { contacts, steps: campaign.steps.length, messages: total, dailyLimit: limit ?? null, dailyCapacity: capacity, daysStep1: days, daysAllSteps: allDays };
  if (capacity === 0) return item('capacity', 'fail', 'the identities can send 0 a day today (all paused or capped at 0)', 'resume identities or add identities to the pool', details);
  if (limit !== undefined && capacity !== null && limit > capacity) {
    return item('capacity', 'fail', `dailyLimit ${limit} but the pool can send ${capacity} a day today; lower dailyLimit or add identities`, `lower dailyLimit to ${capacity} or add identities`, details);
  }
  const rate = minRate(capacity, limit);
  const step1 = rate === null ? `step 1 to ${plural(contacts, 'contact')} as fast as delivery allows (no cap, no dailyLimit)` : `step 1 to ${plural(contacts, 'contact')} at ${rate} a day: ~${plural(days ?? 0, 'day')}`;
  const whole = capacity === null ? `${plural(total, 'message')} in all (${campaign.steps.length} steps)` : `${plural(total, 'message')} in all (${campaign.steps.length} steps): ~${plural(allDays ?? 0, 'day')} of capacity (${capacity} a day) plus the delays between steps`;
  return item('capacity', 'pass', `${step1}; ${whole}`, undefined, details);
}

function minRate(capacity: number | null, dailyLimit: number | undefined): number | null {
  if (capacity === null) return dailyLimit ?? null;
  return dailyLimit === undefined ? capacity : Math.min(capacity, dailyLimit);
}
