// `petrel node list`: the cluster's node registry as this node sees it (docs/cluster.md). A single
// node says it is not a cluster and exits 0; PostgreSQL out of reach fails the command (exit 1).
import type { Command } from 'commander';
import { z } from 'zod';
import type { ClusterStatus } from '../../cluster/status.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime } from '../io.js';

const listOptions = z.object({ json: z.boolean().default(false) });
const NOT_A_CLUSTER = 'not a cluster (store.postgres is not set)\n';

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('the nodes of a cluster (several nodes on PostgreSQL)');
  node
    .command('list')
    .description('every registered node: slot, API address, heartbeat, alive; this node\'s ship backlog')
    .option('--json', 'print the view as JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = listOptions.parse(raw);
      const config = configFor(command);
      if (!config.store.postgres) return void process.stdout.write(json ? `${JSON.stringify({ cluster: false })}\n` : NOT_A_CLUSTER);
      // Loaded only in cluster mode, like the rest of the cluster code.
      const { clusterStatus } = await import('../../cluster/status.js');
      const status = await withDatabase(config, (_db, cluster) => clusterStatus(cluster!, config.node.deadAfterSeconds));
      process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : render(status));
    });
}

function render(s: ClusterStatus): string {
  const rows = s.nodes.map((n) => [
    n.name === s.self ? `${n.name} *` : n.name, String(n.slot), n.alive ? 'yes' : 'no',
    formatTime(Date.parse(n.heartbeatAt)), formatTime(Date.parse(n.startedAt)), n.version ?? '-', n.apiUrl ?? '-',
  ]);
  const head = `self: ${s.self}   shared state: ${s.sharedState}   not yet shipped: ${s.backlog.rows} rows, ${s.backlog.events} events\n`;
  const table = rows.length === 0 ? 'no nodes registered\n' : formatTable(['NAME', 'SLOT', 'ALIVE', 'HEARTBEAT', 'STARTED', 'VERSION', 'API'], rows);
  return head + table;
}
