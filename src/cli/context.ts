// What every command shares: the --config/--data-dir options, loading the config from them and
// opening the database. Config problems throw ConfigError; database problems pass through.
import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config/load.js';
import type { PetrelConfig } from '../config/schema.js';
import { openDatabase, type Db } from '../store/db.js';
import { databasePath, secretKeyPath } from '../store/paths.js';
import { loadOrCreateSecretKey } from '../store/seal.js';
import type { ClusterNode } from '../cluster/node.js';
import { createLogger } from '../util/log.js';

/** The options defined on the root command and therefore accepted by every command. */
export const globalOptions = z.object({
  config: z.string().optional(),
  dataDir: z.string().optional(),
});
export type GlobalOptions = z.infer<typeof globalOptions>;

/** The global options as seen from a (sub)command, wherever on the line they were given. */
export function globalsOf(command: Command): GlobalOptions {
  return globalOptions.parse(command.optsWithGlobals());
}

export function configFor(command: Command): PetrelConfig {
  const { config, dataDir } = globalsOf(command);
  return loadConfig({ configFile: config, dataDir });
}

/**
 * Run `work` with the database open, closing it afterwards whatever happens. In cluster mode the command
 * acts on the shared state: the local copy is brought up to date first, and what it wrote is in
 * PostgreSQL before it returns (it fails, and says so, when PostgreSQL cannot be reached).
 */
export async function withDatabase<T>(config: PetrelConfig, work: (db: Db, cluster: ClusterNode | null) => T | Promise<T>): Promise<T> {
  const db = openDatabase(databasePath(config));
  let cluster: ClusterNode | null = null;
  try {
    if (config.store.postgres) {
      // Loaded only in cluster mode: pg and the cluster modules cost every other command ~0.1 s.
      const { joinCluster } = await import('../app/cluster.js');
      cluster = await joinCluster(config, db, loadOrCreateSecretKey(secretKeyPath(config)), createLogger({ log: { level: 'silent' } }), 'cli');
      if (cluster?.notReady()) throw new Error(`the shared state is not reachable: ${cluster.notReady()}`);
    }
    const result = await work(db, cluster);
    await cluster?.flush();
    return result;
  } finally {
    await cluster?.close();
    db.close();
  }
}

