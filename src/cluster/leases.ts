// Leases in PostgreSQL: one node at a time owns a mailbox, a webhook endpoint or a singleton task.
// A lease is renewed while its holder lives; it moves when it expired (the holder's heartbeat stopped
// renewing it), in one conditional upsert, so two nodes never both hold it.
import type { SharedDb } from './pg.js';

/** Take or renew `name` for `ttlSeconds`; true when this node holds it afterwards. */
export async function acquireLease(shared: SharedDb, name: string, holder: string, ttlSeconds: number): Promise<boolean> {
  const { rows } = await shared.query<{ holder: string }>(
    `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
     RETURNING holder`,
    [name, holder, ttlSeconds],
  );
  return rows.length === 1;
}

/** Take or renew many at once; returns the names this node holds afterwards. */
export async function acquireLeases(shared: SharedDb, names: string[], holder: string, ttlSeconds: number): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const { rows } = await shared.query<{ name: string }>(
    `INSERT INTO leases (name, holder, expires_at) SELECT n, $2, now() + make_interval(secs => $3) FROM unnest($1::text[]) AS n
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
     RETURNING name`,
    [names, holder, ttlSeconds],
  );
  return new Set(rows.map((r) => r.name));
}

/** Give up a lease at shutdown, so another node takes it at once. */
export async function releaseLeases(shared: SharedDb, holder: string, prefix = ''): Promise<void> {
  await shared.query('DELETE FROM leases WHERE holder = $1 AND name LIKE $2', [holder, `${prefix}%`]);
}
