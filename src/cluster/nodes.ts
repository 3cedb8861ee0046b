// The node registry in PostgreSQL: each node's name, row-id slot, API address and heartbeat. A node
// whose heartbeat is older than node.deadAfterSeconds is dead: its leases may be taken over.
import type { SharedDb } from './pg.js';

const REGISTER_LOCK = 7_283_003;
const MAX_SLOTS = 1024;

export interface NodeInfo {
  name: string;
  slot: number;
  apiUrl: string | null;
  version: string | null;
  startedAt: string;
  heartbeatAt: string;
  alive: boolean;
}

/** Register (or re-register) this node; its slot never changes once given. */
/**
 * Register (or re-register) this node; its slot never changes once given. `running` false (an admin
 * command with the node's config) looks the slot up without claiming the node is alive.
 */
export async function registerNode(shared: SharedDb, node: { name: string; apiUrl: string | null; version: string }, running = true): Promise<number> {
  return shared.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [REGISTER_LOCK]);
    const { rows } = running
      ? await c.query<{ slot: number }>(
        'UPDATE nodes SET api_url = coalesce($2, api_url), version = $3, started_at = now(), heartbeat_at = now() WHERE name = $1 RETURNING slot',
        [node.name, node.apiUrl, node.version])
      : await c.query<{ slot: number }>('SELECT slot FROM nodes WHERE name = $1', [node.name]);
    if (rows[0]) return rows[0].slot;
    const { rows: used } = await c.query<{ slot: number }>('SELECT slot FROM nodes ORDER BY slot');
    const taken = new Set(used.map((u) => u.slot));
    let slot = 0;
    while (taken.has(slot)) slot++;
    if (slot >= MAX_SLOTS) throw new Error(`the cluster already has ${MAX_SLOTS} nodes registered`);
    // An admin command's first contact registers the name with a heartbeat long past: not alive.
    await c.query(`INSERT INTO nodes (name, slot, api_url, version, started_at, heartbeat_at)
      VALUES ($1, $2, $3, $4, now(), CASE WHEN $5 THEN now() ELSE 'epoch'::timestamptz END)`,
      [node.name, slot, node.apiUrl, node.version, running]);
    return slot;
  });
}

export async function heartbeat(shared: SharedDb, name: string, apiUrl: string | null): Promise<void> {
  await shared.query('UPDATE nodes SET heartbeat_at = now(), api_url = coalesce($2, api_url) WHERE name = $1', [name, apiUrl]);
}

export async function listNodes(shared: SharedDb, deadAfterSeconds: number): Promise<NodeInfo[]> {
  const { rows } = await shared.query<{ name: string; slot: number; api_url: string | null; version: string | null; started_at: Date; heartbeat_at: Date; alive: boolean }>(
    `SELECT name, slot, api_url, version, started_at, heartbeat_at,
       heartbeat_at > now() - make_interval(secs => $1) AS alive FROM nodes ORDER BY name`, [deadAfterSeconds]);
  return rows.map((r) => ({
    name: r.name, slot: r.slot, apiUrl: r.api_url, version: r.version,
    startedAt: r.started_at.toISOString(), heartbeatAt: r.heartbeat_at.toISOString(), alive: r.alive,
  }));
}
