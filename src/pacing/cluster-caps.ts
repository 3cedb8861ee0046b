// Cluster mode: an identity's sends admitted by this node's gate are admitted again against the
// cluster-wide daily counter, so the nodes together keep the cap. Never throws: PostgreSQL away → wait.
import type { Identity } from '../identities/types.js';
import type { Clock } from '../util/clock.js';
import { dayKey, nextDayStart } from './days.js';

/** How long mail waits when PostgreSQL cannot count it (then it asks again). */
export const UNAVAILABLE_RETRY_MS = 30_000;

/** The shared counter (src/cluster/caps.ts); rejects when PostgreSQL cannot be reached. */
export interface SharedCaps {
  /** Whether PostgreSQL answered last time anyone asked (a known outage skips the round trip). */
  readonly up: boolean;
  /** Count up to `n` sends of `identity` on `day` while under `cap`; how many were counted. */
  admit(identity: string, day: string, cap: number, n: number): Promise<number>;
  /** Give back `n` units counted but never sent. Failures are logged, never thrown (a lost unit only under-sends). */
  giveBack(identity: string, day: string, n: number): Promise<void>;
}

export interface ClusterAdmission {
  /** Recipients counted (the first `admitted` of those asked for). */
  admitted: number;
  /** The day they counted in, for giving units back. */
  day: string;
  /** What holds the rest back, when some are. */
  wait: { until: number; reason: string } | null;
}

/** Admit `n` sends of `identity` whose cap today is `cap` against the cluster's counter. */
export async function admitOnCluster(caps: SharedCaps, identity: Identity, cap: number, n: number, clock: Clock): Promise<ClusterAdmission> {
  const now = clock();
  const day = dayKey(now, identity.timeZone);
  const unavailable = { until: now + UNAVAILABLE_RETRY_MS, reason: `waiting for PostgreSQL to count the cluster's daily cap (identity ${identity.name})` };
  if (!caps.up) return { admitted: 0, day, wait: unavailable };
  let admitted: number;
  try {
    admitted = await caps.admit(identity.name, day, cap, n);
  } catch {
    return { admitted: 0, day, wait: unavailable };
  }
  if (admitted >= n) return { admitted: n, day, wait: null };
  return { admitted, day, wait: { until: nextDayStart(now, identity.timeZone), reason: `throttled: daily cap reached on the cluster (identity ${identity.name})` } };
}
