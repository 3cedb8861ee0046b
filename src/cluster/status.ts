// The operator's view of a cluster from one node (`petrel node list`, GET /v1/nodes): the registry,
// which node answers, whether PostgreSQL is reachable and what this node has not shipped yet.
// A registry that cannot be read leaves `nodes` empty and says why in `sharedState`; nothing throws.
import type { ClusterNode } from './node.js';
import { listNodes, type NodeInfo } from './nodes.js';

export interface ClusterStatus {
  cluster: true;
  /** The node answering. */
  self: string;
  /** `ok`, or why shared work cannot run now. */
  sharedState: string;
  /** This node's writes and events not yet in PostgreSQL. */
  backlog: { rows: number; events: number };
  nodes: NodeInfo[];
}

/** What `node list` and GET /v1/nodes show; a node is alive while its heartbeat is under deadAfterSeconds old. */
export async function clusterStatus(cluster: ClusterNode, deadAfterSeconds: number): Promise<ClusterStatus> {
  let nodes: NodeInfo[] = [];
  let problem = cluster.notReady();
  try {
    nodes = await listNodes(cluster.shared, deadAfterSeconds);
  } catch (err) {
    problem ??= `the registry cannot be read: ${(err as Error).message}`;
  }
  return { cluster: true, self: cluster.name, sharedState: problem ?? 'ok', backlog: cluster.shipper.backlog(), nodes };
}
