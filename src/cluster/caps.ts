// Identity caps summed over the nodes: one cap_counters row per (identity, day) in PostgreSQL, taken
// one unit at a time by a conditional upsert inside the caller's transaction. Errors reject the caller.
import type { Sql } from './pg.js';

/** Count one send for `identity` on `day` unless it reached `cap` (null: no cap); true when counted. */
export async function admitCap(sql: Sql, identity: string, day: string, cap: number | null): Promise<boolean> {
  if (cap !== null && cap <= 0) return false; // the INSERT branch below would count a first unit regardless
  const { rows } = await sql.query(
    `INSERT INTO cap_counters (identity, day, sent) VALUES ($1, $2, 1)
     ON CONFLICT (identity, day) DO UPDATE SET sent = cap_counters.sent + 1
       WHERE $3::integer IS NULL OR cap_counters.sent < $3::integer
     RETURNING sent`,
    [identity, day, cap],
  );
  return rows.length === 1;
}

/** Give back a unit admitCap counted (its message never committed). */
export async function returnCap(sql: Sql, identity: string, day: string): Promise<void> {
  await sql.query('UPDATE cap_counters SET sent = greatest(sent - 1, 0) WHERE identity = $1 AND day = $2', [identity, day]);
}

/** Units counted for `identity` on `day` (0 when none). */
export async function capUsed(sql: Sql, identity: string, day: string): Promise<number> {
  const { rows } = await sql.query<{ sent: number }>('SELECT sent FROM cap_counters WHERE identity = $1 AND day = $2', [identity, day]);
  return rows[0]?.sent ?? 0;
}
