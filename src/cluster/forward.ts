// Serves a request about a message kept in another node's queue: finds that node from the global event
// stream and the node registry in PostgreSQL, and relays the request to its API once (never onwards).
// Unknown everywhere → false (the caller's usual 404); PostgreSQL or the peer not answering → ApiError 503.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors.js';
import type { PetrelConfig } from '../config/schema.js';
import type { ClusterNode } from './node.js';

/** Set on a relayed request: the receiving node answers from its own queue only (no loops). */
export const FORWARDED_HEADER = 'x-petrel-forwarded';
/** Set on answers about one message: the node whose queue holds it. */
export const NODE_HEADER = 'x-petrel-node';
/** What a relayed request carries over: who asks (key or dashboard session) and what they accept. */
const RELAYED_HEADERS = ['authorization', 'cookie', 'accept', 'content-type'] as const;
const RELAY_TIMEOUT_MS = 10_000;

export interface Peer {
  name: string;
  apiUrl: string;
}

/**
 * Where this node's API is reached when node.apiUrl is not set: http.address and the port (the one
 * listened on, when the config's is 0), a wildcard as loopback; null while the port is not known.
 */
export function defaultApiUrl(config: Pick<PetrelConfig, 'http'>, listening: number | null = null): string | null {
  const { enabled, address } = config.http;
  const port = listening ?? config.http.port;
  if (!enabled || port === 0) return null;
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '[::1]' : address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

/** The other node whose events mention `messageId`, with its API address; null when none does. */
export async function holderOf(cluster: ClusterNode, messageId: string): Promise<Peer | null> {
  const { rows } = await cluster.shared.query<{ name: string; api_url: string | null }>(
    `SELECT n.name, n.api_url FROM events e JOIN nodes n ON n.name = e.node
     WHERE e.message_id = $1 AND e.node <> $2 LIMIT 1`, [messageId, cluster.name]);
  const row = rows[0];
  if (!row) return null;
  if (!row.api_url || !/^https?:\/\//.test(row.api_url)) {
    throw new ApiError(503, 'node_unreachable', `message ${messageId} is on node ${row.name}, which has no API address (node.apiUrl)`);
  }
  return { name: row.name, apiUrl: row.api_url };
}

/**
 * Answer `request` from the node holding `messageId` when it is not here: true when answered (the
 * peer's status and body, plus x-petrel-node), false when no other node has it or the request was
 * itself relayed.
 */
export async function answerFromHolder(cluster: ClusterNode | null | undefined, request: FastifyRequest, reply: FastifyReply, messageId: string): Promise<boolean> {
  if (!cluster || request.headers[FORWARDED_HEADER] !== undefined) return false;
  let peer: Peer | null;
  try {
    peer = await holderOf(cluster, messageId);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(503, 'shared_state_unavailable', `message ${messageId} is not on this node, and PostgreSQL cannot say which node has it: ${(err as Error).message}`);
  }
  if (peer === null) return false;
  const answer = await relay(peer, request);
  void reply.code(answer.status).header(NODE_HEADER, peer.name).header('content-type', answer.contentType).send(answer.body);
  return true;
}

async function relay(peer: Peer, request: FastifyRequest): Promise<{ status: number; contentType: string; body: Buffer }> {
  const headers: Record<string, string> = { [FORWARDED_HEADER]: '1' };
  for (const name of RELAYED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const body = request.body === undefined || request.method === 'GET' ? undefined
    : Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : JSON.stringify(request.body);
  try {
    const res = await fetch(new URL(request.url, peer.apiUrl), { method: request.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(RELAY_TIMEOUT_MS) });
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', body: Buffer.from(await res.arrayBuffer()) };
  } catch (err) {
    throw new ApiError(503, 'node_unreachable', `message is on node ${peer.name} (${peer.apiUrl}), which does not answer: ${(err as Error).message}`);
  }
}
