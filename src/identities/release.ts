// Ending a hold from outside the gate (the API, the CLI): removing an identity, or clearing one shaping
// action early, makes the mail that waited for it (state throttled) due now, in one transaction; the
// gate then decides again. Unknown names and ids return null; SQLite errors pass through.
import { ShapingActionStore, sourceKeyOf } from '../pacing/actions.js';
import type { Db } from '../store/db.js';
import { IdentityStore } from './store.js';

/** Make the throttled recipients of `identities` due at `now`; how many. */
export function releaseWaiting(db: Db, identities: readonly string[], now: number): number {
  const due = db.prepare(`UPDATE recipients SET next_attempt_at = ? WHERE state = 'throttled' AND wait_identity = ?`);
  return identities.reduce((n, name) => n + due.run(now, name).changes, 0);
}

/** Remove `name` (and its pool memberships); its waiting mail leaves by the default route. Released count, or null. */
export function removeIdentity(db: Db, name: string, now: number): number | null {
  return db.transaction(() => {
    if (!new IdentityStore(db).remove(name)) return null;
    return releaseWaiting(db, [name], now);
  })();
}

/** End shaping action `id` now; the mail of the identities it held is due again. Released count, or null when not in force. */
export function clearShapingAction(db: Db, id: number, now: number): number | null {
  return db.transaction(() => {
    const actions = new ShapingActionStore(db);
    const action = actions.inForce(now).find((a) => a.id === id);
    if (!action || actions.clear(now, { id }) === 0) return null;
    const concerned = new IdentityStore(db).list()
      .filter((i) => action.scope === `identity:${i.name}` || action.scope === `source:${sourceKeyOf(i)}`)
      .map((i) => i.name);
    return releaseWaiting(db, concerned, now);
  })();
}
