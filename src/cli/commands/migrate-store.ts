// `petrel migrate-store --to postgres`: copies this single-node data directory's shared state into the
// PostgreSQL of store.postgres so it can join a cluster. Bad options or no store.postgres exit 2;
// PostgreSQL unreachable, another cluster's seal key or a database error exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { nodeName } from '../../app/cluster.js';
import { migrateStore, type MigrateReport } from '../../cluster/migrate-store.js';
import { isConnectionError, postgresUrl, SharedDb } from '../../cluster/pg.js';
import { openDatabase } from '../../store/db.js';
import { databasePath, secretKeyPath } from '../../store/paths.js';
import { loadOrCreateSecretKey } from '../../store/seal.js';
import { configFor } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../io.js';

const options = z.object({
  to: z.literal('postgres', { error: '--to must be postgres (the only shared store)' }),
  json: z.boolean().default(false),
});

export function registerMigrateStoreCommand(program: Command): void {
  program
    .command('migrate-store')
    .description('copy this data directory\'s shared state (users, domains, keys, events...) into PostgreSQL')
    .requiredOption('--to <store>', 'the store to copy into: postgres (store.postgres in the config)')
    .option('--json', 'print the report as JSON')
    .action(async (raw: unknown, command: Command) => {
      const o = options.parse(raw);
      const config = configFor(command);
      if (!config.store.postgres) throw new UsageError('migrate-store: the config has no store.postgres to copy into');
      const url = postgresUrl(config.store)!;
      const name = nodeName(config);
      const report = await migrate(url, config.store.postgres.statementTimeoutMs, name, config.dataDir);
      process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    });
}

async function migrate(url: string, statementTimeoutMs: number, name: string, dataDir: string): Promise<MigrateReport> {
  const db = openDatabase(databasePath({ dataDir }));
  const shared = new SharedDb(url, { poolSize: 2, statementTimeoutMs, applicationName: `petrel migrate-store ${name}` });
  try {
    return await migrateStore(db, shared, loadOrCreateSecretKey(secretKeyPath({ dataDir })), name, dataDir);
  } catch (err) {
    if (isConnectionError(err)) throw new Error(`PostgreSQL is not reachable: ${(err as Error).message}`);
    throw err;
  } finally {
    await shared.close();
    db.close();
  }
}

function formatReport(r: MigrateReport): string {
  const rows = r.tables.filter((t) => t.rows > 0).map((t) => [t.table, String(t.rows), String(t.unchanged)]);
  const table = rows.length === 0 ? 'no shared rows to copy\n' : formatTable(['table', 'rows', 'already there'], rows);
  return `PostgreSQL schema version ${r.schema.from} -> ${r.schema.to}\n${table}events shipped: ${r.events}\n` +
    'migrated: this data directory can now join the cluster (petrel serve with store.postgres)\n';
}
