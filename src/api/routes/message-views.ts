// The API's JSON views of queue rows (from queue/inspect.ts): ISO times, every key present (null when
// absent) and replies as { code, enhanced, text } like events. Pure; never fails.
import type { AttemptRecord, QueueDetail, QueueSummary, RecipientDetail, RecipientSummary } from '../../queue/inspect.js';
import type { Envelope } from '../../smtp/server/ports.js';
import { iso } from './admin-common.js';

function messageFields(m: Omit<QueueSummary, 'recipients'>) {
  return { id: m.id, direction: m.direction, state: m.state, receivedAt: iso(m.receivedAt), sender: m.sender, size: m.size };
}

export function publicSummary(m: QueueSummary) {
  return { ...messageFields(m), recipients: m.recipients.map(publicRecipient) };
}

/** One message with its envelope's tags and metadata and every recipient's attempts (oldest first). */
export function publicDetail(m: QueueDetail) {
  const envelope = m.envelope as Envelope & { tags?: string[]; metadata?: Record<string, string> };
  return {
    ...messageFields(m),
    identity: m.identity,
    tags: envelope.tags ?? [],
    metadata: envelope.metadata ?? {},
    recipients: m.recipients.map(publicRecipientDetail),
  };
}

function publicRecipient(r: RecipientSummary) {
  return {
    address: r.address, state: r.state, attempts: r.attempts, nextAttemptAt: iso(r.nextAttemptAt ?? null), lastReply: r.lastReply ?? null,
    waitReason: r.waitReason ?? null, waitIdentity: r.waitIdentity ?? null,
  };
}

function publicRecipientDetail(r: RecipientDetail) {
  return {
    ...publicRecipient(r),
    lastAttemptAt: iso(r.lastAttemptAt ?? null),
    finalAt: iso(r.finalAt ?? null),
    dsnPending: r.dsnPending,
    history: r.history.map(publicAttempt),
  };
}

function publicAttempt(a: AttemptRecord) {
  const replied = a.code !== null || a.enhanced !== null || a.text !== null;
  return {
    at: iso(a.at), durationMs: a.durationMs, outcome: a.outcome, route: a.route, mx: a.mx, ip: a.ip, port: a.port,
    localIp: a.localIp, tls: a.tls, remote: a.remote, phase: a.phase,
    reply: replied ? { code: a.code, enhanced: a.enhanced, text: a.text } : null,
    class: a.class, reason: a.reason,
  };
}
