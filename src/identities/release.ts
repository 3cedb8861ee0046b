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
  const r = clearShapingActions(db, now, { id });
  return r.cleared === 0 ? null : r.released;
}

/**
 * End the shaping actions in force that `where` picks (by id, rule or scope; `petrel shaping clear`,
 * the API); the mail of the identities they held is due again. How many ended and were released.
 */
export function clearShapingActions(db: Db, now: number, where: { id?: number; rule?: string; scopes?: readonly string[] }): { cleared: number; released: number } {
  return db.transaction(() => {
    const actions = new ShapingActionStore(db);
    const picked = actions.inForce(now).filter((a) => (where.id === undefined || a.id === where.id)
      && (where.rule === undefined || a.rule === where.rule) && (where.scopes === undefined || where.scopes.includes(a.scope)));
    if (picked.length === 0) return { cleared: 0, released: 0 };
    for (const a of picked) actions.clear(now, { id: a.id });
    const scopes = new Set(picked.map((a) => a.scope));
    const concerned = new IdentityStore(db).list().filter((i) => scopes.has(`identity:${i.name}`) || scopes.has(`source:${sourceKeyOf(i)}`)).map((i) => i.name);
    return { cleared: picked.length, released: releaseWaiting(db, concerned, now) };
  })();
}
