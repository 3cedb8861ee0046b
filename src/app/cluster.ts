// Cluster mode's composition (docs/cluster.md): with `store.postgres` set, this node joins PostgreSQL
// before anything writes shared state; without it, null and Petrel is the single node it always was.
import { hostname } from 'node:os';
import type { PetrelConfig } from '../config/schema.js';
import { ClusterNode } from '../cluster/node.js';
import { defaultApiUrl } from '../cluster/forward.js';
import { postgresUrl, SharedDb } from '../cluster/pg.js';
import { readState } from '../cluster/mirror/state.js';
import { openDatabase, type Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { packageVersion } from '../util/version.js';

export function nodeName(config: PetrelConfig): string {
  return config.node.name ?? hostname().split('.')[0]!.replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * The name this data directory answers to: a directory that joined before keeps its name (a moved
 * volume takes over its node, whatever the new machine is called), and refuses another one — its queue,
 * its claims and its row-id slot belong to that name.
 */
export function nameOfDataDir(config: PetrelConfig, db: Db): string {
  const stored = readState(db, 'node');
  if (stored === null) return nodeName(config);
  if (config.node.name !== undefined && config.node.name !== stored) {
    throw new Error(`this data directory is node ${stored}'s (its queue and claims are under that name): set node.name: ${stored}, or leave node.name unset`);
  }
  return stored;
}

/** Join the cluster when configured; `db` is the node's main connection (given capture triggers). */
export async function joinCluster(config: PetrelConfig, db: Db, secretKey: Buffer, log: Logger, role: 'serve' | 'cli'): Promise<ClusterNode | null> {
  const url = postgresUrl(config.store);
  if (url === null) return null;
  const p = config.store.postgres!;
  const name = nameOfDataDir(config, db);
  const shared = new SharedDb(url, { poolSize: role === 'serve' ? p.poolSize : 2, statementTimeoutMs: p.statementTimeoutMs, applicationName: `petrel ${role} ${name}` });
  const applyDb = openDatabase(db.name);
  const node = new ClusterNode(shared, db, applyDb, { name, apiUrl: config.node.apiUrl ?? defaultApiUrl(config), version: packageVersion() }, secretKey, log, role);
  try {
    await node.join();
  } catch (err) {
    await shared.close();
    applyDb.close();
    throw err;
  }
  return node;
}
