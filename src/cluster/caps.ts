// Identity caps summed over the nodes: one cap_counters row per (identity, day) in PostgreSQL, taken
// one unit at a time by a claim (petrel_claim in src/store/schema-cluster.ts), or n at a time at delivery.
// Errors reject the caller, except giving back at delivery, which only logs (a lost unit under-sends).
import type { SharedCaps } from '../pacing/cluster-caps.js';
import type { Logger } from '../util/log.js';
import type { SharedDb, Sql } from './pg.js';

/** Give back a unit a claim counted (its message never committed). */
export async function returnCap(sql: Sql, identity: string, day: string): Promise<void> {
  await sql.query('UPDATE cap_counters SET sent = greatest(sent - 1, 0) WHERE identity = $1 AND day = $2', [identity, day]);
}

/** Units counted for `identity` on `day` (0 when none). */
export async function capUsed(sql: Sql, identity: string, day: string): Promise<number> {
  const { rows } = await sql.query<{ sent: number }>('SELECT sent FROM cap_counters WHERE identity = $1 AND day = $2', [identity, day]);
  return rows[0]?.sent ?? 0;
}

/** Count up to `n` units for `identity` on `day` while under `cap`, in one transaction; how many were counted. */
export async function admitCapUnits(shared: SharedDb, identity: string, day: string, cap: number, n: number): Promise<number> {
  if (n <= 0 || cap <= 0) return 0;
  return shared.tx(async (c) => {
    // The no-op update locks the row (created at 0 if new) and reads its latest count: the room we
    // compute cannot be taken by another node before our update commits.
    const { rows } = await c.query<{ sent: number }>(
      `INSERT INTO cap_counters (identity, day, sent) VALUES ($1, $2, 0)
       ON CONFLICT (identity, day) DO UPDATE SET sent = cap_counters.sent RETURNING sent`, [identity, day]);
    const take = Math.max(0, Math.min(n, cap - rows[0]!.sent));
    if (take > 0) await c.query('UPDATE cap_counters SET sent = sent + $3 WHERE identity = $1 AND day = $2', [identity, day, take]);
    return take;
  });
}

/** The delivery side's view of the counters (src/pacing/cluster-caps.ts). */
export class SharedCapCounter implements SharedCaps {
  constructor(private readonly shared: SharedDb, private readonly log: Logger) {}

  get up(): boolean {
    return this.shared.availability.up;
  }

  admit(identity: string, day: string, cap: number, n: number): Promise<number> {
    return admitCapUnits(this.shared, identity, day, cap, n);
  }

  async giveBack(identity: string, day: string, n: number): Promise<void> {
    if (n <= 0) return;
    try {
      await this.shared.query('UPDATE cap_counters SET sent = greatest(sent - $3, 0) WHERE identity = $1 AND day = $2', [identity, day, n]);
    } catch (err) {
      this.log.warn({ event: 'cap-give-back-failed', identity, day, units: n, error: (err as Error).message }, 'cap units of unsent mail were not given back: the identity may send fewer today');
    }
  }
}
