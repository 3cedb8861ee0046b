// Whether an identity may queue one more message today: warm-up mail counts against its caps (it
// leaves through the same relay and the provider counts it), so it never queues past today's cap.
import { effectiveLimits } from '../identities/caps.js';
import type { Identity } from '../identities/types.js';
import { dayKey, dayStartOf } from '../pacing/days.js';
import type { Db } from '../store/db.js';

/** The identity's held warm-up days (the ramp does not advance on them). */
export function heldDays(db: Db, identity: string): string[] {
  return db.prepare('SELECT day FROM warmup_holds WHERE identity = ?').pluck().all(identity) as string[];
}

/** Messages queued through `identity` today (its zone), campaign, API and warm-up alike. */
export function usedToday(db: Db, identity: Identity, now: number): number {
  const start = dayStartOf(dayKey(now, identity.timeZone), identity.timeZone);
  return db.prepare('SELECT count(*) FROM messages WHERE identity = ? AND received_at >= ?').pluck().get(identity.name, start) as number;
}

export function hasRoomToday(db: Db, identity: Identity, now: number): boolean {
  const cap = effectiveLimits(identity, heldDays(db, identity.name), now).capToday;
  return cap === null || usedToday(db, identity, now) < cap;
}
