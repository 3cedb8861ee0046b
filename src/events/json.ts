// The public JSON form of an event: the one shape for `petrel events --json`, webhooks and the API.
// ISO 8601 times; absent values are null so every key is present (`node` only in cluster mode).
import type { StoredEvent } from './types.js';

export interface PublicEvent {
  id: number;
  type: StoredEvent['type'];
  at: string;
  messageId: string | null;
  recipient: string | null;
  sender: string | null;
  sendingDomain: string | null;
  sourceIp: string | null;
  mx: string | null;
  reply: { code: number | null; enhanced: string | null; text: string | null } | null;
  class: string | null;
  reason: string | null;
  data: Record<string, unknown>;
  /** Cluster mode only: the node the event happened on. */
  node?: string;
}

export function toPublicEvent(e: StoredEvent): PublicEvent {
  const hasReply = e.code !== null || e.enhanced !== null || e.text !== null;
  return {
    id: e.id,
    type: e.type,
    at: new Date(e.at).toISOString(),
    messageId: e.messageId,
    recipient: e.recipient,
    sender: e.sender,
    sendingDomain: e.sendingDomain,
    sourceIp: e.sourceIp,
    mx: e.mx,
    reply: hasReply ? { code: e.code, enhanced: e.enhanced, text: e.text } : null,
    class: e.class,
    reason: e.reason,
    data: e.data,
    ...(e.node !== undefined ? { node: e.node } : {}),
  };
}
