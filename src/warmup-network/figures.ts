// Warm-up figures per identity over 7 days (CLI `petrel warmup status`, GET /v1/warmup) and the
// reputation signal they give: a low inbox rate of its warm-up mail holds the identity's ramp.
import { IdentityStore } from '../identities/store.js';
import type { Db } from '../store/db.js';
import { WarmupStore, type WarmupCounts } from './store.js';

export const FIGURE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface WarmupFigures extends WarmupCounts {
  identity: string;
  /** inbox / (inbox + spam) of the warm-up mail it sent; null before any was placed. */
  inboxRate: number | null;
}

export interface SignalRules {
  minInboxRate: number;
  minPlacements: number;
}

/** The figures of counts. Pure. */
export function figuresOf(identity: string, c: WarmupCounts): WarmupFigures {
  const placed = c.inbox + c.spam;
  return { identity, ...c, inboxRate: placed === 0 ? null : c.inbox / placed };
}

/** A falling inbox rate: below minInboxRate over at least minPlacements placements. Pure. */
export function lowInboxRate(f: WarmupFigures, rules: SignalRules): boolean {
  return f.inboxRate !== null && f.inbox + f.spam >= rules.minPlacements && f.inboxRate < rules.minInboxRate;
}

/** Figures of every identity in the warm-up network, by name. */
export function networkFigures(db: Db, now: number): WarmupFigures[] {
  const store = new WarmupStore(db);
  const since = now - FIGURE_DAYS * DAY_MS;
  return new IdentityStore(db).list().filter((i) => i.warmupNetwork).map((i) => figuresOf(i.name, store.counts(i.name, since)));
}
