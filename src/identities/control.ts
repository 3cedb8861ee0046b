// Pausing and resuming identities, for operators (CLI, API) and the reputation rules alike: the state
// change, its event and — on resume — the end of the identity's suspensions and the release of its
// waiting mail, in one transaction. Unknown names return false.
import { EventStore } from '../events/store.js';
import { ShapingActionStore, sourceKeyOf } from '../pacing/actions.js';
import type { Db } from '../store/db.js';
import { releaseWaiting } from './release.js';
import { IdentityStore } from './store.js';

export interface PauseRequest {
  reason: string;
  by: 'operator' | 'auto';
  now: number;
  /** The reply or figure that caused it, for the event. */
  detail?: Record<string, unknown>;
}

/** Pause `name`: its queued mail waits (state throttled), nothing is bounced. False when unknown. */
export function pauseIdentity(db: Db, name: string, req: PauseRequest): boolean {
  const store = new IdentityStore(db);
  return db.transaction(() => {
    const identity = store.get(name);
    if (!identity) return false;
    store.setState(name, 'paused', { reason: req.reason, by: req.by, now: req.now });
    new EventStore(db).append([{
      at: req.now, type: 'identity.paused', sender: identity.from, sendingDomain: identity.domain, text: req.reason,
      data: { identity: name, by: req.by, reason: req.reason, ...req.detail },
    }]);
    return true;
  })();
}

/**
 * Resume `name`: active again, its throttles and suspensions ended, and every recipient waiting for it
 * due now. Returns the number of recipients released, or null when the identity is unknown.
 */
export function resumeIdentity(db: Db, name: string, now: number, by: 'operator' | 'auto' = 'operator'): number | null {
  const store = new IdentityStore(db);
  return db.transaction(() => {
    const identity = store.get(name);
    if (!identity) return null;
    store.setState(name, 'active', { by, now });
    const cleared = new ShapingActionStore(db).clear(now, { scopes: [`identity:${name}`, `source:${sourceKeyOf(identity)}`] });
    const released = releaseWaiting(db, [name], now);
    new EventStore(db).append([{
      at: now, type: 'identity.resumed', sender: identity.from, sendingDomain: identity.domain,
      data: { identity: name, by, released, actionsCleared: cleared, ...(identity.reason ? { pausedFor: identity.reason } : {}) },
    }]);
    return released;
  })();
}
