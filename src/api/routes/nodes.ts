// GET /v1/nodes: the cluster's node registry as the answering node sees it (docs/cluster.md), with
// its own shared-state health and ship backlog. A single node answers `{cluster: false, nodes: []}`.
import { z } from 'zod';
import { clusterStatus } from '../../cluster/status.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';

const nodeView = z.object({
  name: z.string(),
  slot: z.number().describe('the node\'s row-id slot; never changes once given'),
  apiUrl: z.string().nullable(),
  version: z.string().nullable(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  alive: z.boolean().describe('heartbeat within node.deadAfterSeconds'),
});
const nodesView = z.object({
  cluster: z.boolean().describe('false: a single node (store.postgres is not set)'),
  self: z.string().optional().describe('the node answering'),
  sharedState: z.string().optional().describe('"ok", or why shared work cannot run now (PostgreSQL unavailable...)'),
  backlog: z.object({ rows: z.number(), events: z.number() }).optional().describe('this node\'s writes and events not yet in PostgreSQL'),
  nodes: z.array(nodeView),
});

export function nodeRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'GET', url: '/v1/nodes', scope: 'read', tag: 'nodes',
      summary: 'The nodes of the cluster, whether each is alive, and this node\'s view of PostgreSQL',
      responses: { 200: ['the registry, by name', nodesView] },
      handler: () => (ctx.cluster ? clusterStatus(ctx.cluster, ctx.config.node.deadAfterSeconds) : { cluster: false, nodes: [] }),
    }),
  ];
}
