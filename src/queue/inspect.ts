// Read-only views of the queue for the CLI, the API and tests. Unknown ids and missing spool files
// give null; SQLite errors and other I/O errors throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Direction } from './message-rows.js';

/** Every recipient state (src/store/schema.ts, second migration). */
export const RECIPIENT_STATES = [
  'queued', 'deferred', 'throttled', 'active', 'held', 'delivered', 'relayed', 'bounced', 'expired', 'stored', 'suppressed', 'report', 'cancelled',
] as const;
export type RecipientState = (typeof RECIPIENT_STATES)[number];

/** The last reply a recipient got, from the peer or made up by Petrel. */
export type LastReply = { code: number | null; enhanced: string | null; text: string | null };

/** nextAttemptAt is present only while queued or deferred; lastReply once there was one. */
export type RecipientSummary = {
  address: string;
  state: string;
  attempts: number;
  nextAttemptAt?: number;
  lastReply?: LastReply;
  /** throttled: why it waits (e.g. "throttled: daily cap") and for which identity; nextAttemptAt is its slot. */
  waitReason?: string;
  waitIdentity?: string;
};

/** One row of the attempts table. */
export type AttemptRecord = {
  at: number;
  durationMs: number;
  outcome: string;
  route: string;
  mx: string | null;
  ip: string | null;
  port: number | null;
  localIp: string | null;
  tls: string | null;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remote: boolean;
  phase: string | null;
  /** Bounce classification of the reply (docs/bounce-reasons.md); null for attempts before it existed. */
  class: string | null;
  reason: string | null;
};

/** A recipient with its DSN parameters and every delivery attempt, oldest first. */
export type RecipientDetail = RecipientSummary & {
  notify?: string[];
  orcpt?: string;
  lastAttemptAt?: number;
  lastMta?: string;
  finalAt?: number;
  dsnPending: boolean;
  history: AttemptRecord[];
};

export type QueueSummary = {
  id: string;
  direction: Direction;
  state: string;
  receivedAt: number;
  sender: string;
  size: number;
  recipients: RecipientSummary[];
};
export type QueueDetail = Omit<QueueSummary, 'recipients'> & {
  /** The sending identity it leaves through (src/identities), or null. */
  identity: string | null;
  recipients: RecipientDetail[];
  envelope: Envelope;
  bodyStorage: 'database' | 'spool';
};

/** Filters of listQueue; a message matches when one recipient has both the state and the domain. */
export interface ListOptions {
  limit?: number;
  state?: string;
  domain?: string;
  direction?: Direction;
  /** Only messages older than this one (received_at, id): a page after it (the API's cursor). */
  before?: { receivedAt: number; id: string };
}

type MessageRow = {
  id: string;
  direction: Direction;
  state: string;
  received_at: number;
  sender: string;
  size: number;
};
// A message's state is derived, never updated: rewriting a messages row would rewrite its body BLOB.
const SUMMARY_COLUMNS = `id, direction, received_at, sender, size,
  CASE WHEN direction = 'inbound' THEN state
       WHEN EXISTS (SELECT 1 FROM recipients p WHERE p.message_id = messages.id
                    AND p.state IN ('queued', 'deferred', 'throttled', 'active', 'held')) THEN 'queued'
       ELSE 'done' END AS state`;

type RecipientRow = {
  idx: number;
  address: string;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  last_code: number | null;
  last_enhanced: string | null;
  last_text: string | null;
  wait_reason: string | null;
  wait_identity: string | null;
};
type RecipientDetailRow = RecipientRow & {
  notify: string | null;
  orcpt: string | null;
  last_attempt_at: number | null;
  last_mta: string | null;
  final_at: number | null;
  dsn_pending: number;
};
const RECIPIENT_COLUMNS = 'idx, address, state, attempts, next_attempt_at, last_code, last_enhanced, last_text, wait_reason, wait_identity';
const DETAIL_COLUMNS = `${RECIPIENT_COLUMNS}, notify, orcpt, last_attempt_at, last_mta, final_at, dsn_pending`;

/**
 * Newest messages first (by received time, then id).
 * @example listQueue(db, { limit: 20, state: 'deferred', domain: 'example.com' })
 */
export function listQueue(db: Db, opts: ListOptions = {}): QueueSummary[] {
  const { where, params } = listFilter(opts);
  const rows = db
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM messages ${where} ORDER BY received_at DESC, id DESC LIMIT ?`)
    .all(...params, opts.limit ?? 100) as MessageRow[];
  const recipients = db.prepare(`SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE message_id = ? ORDER BY idx`);
  return rows.map((row) => ({
    ...toSummary(row),
    recipients: (recipients.all(row.id) as RecipientRow[]).map(toRecipientSummary),
  }));
}

/** One message with its envelope, where its body lives and each recipient's attempts, or null. */
export function getMessage(db: Db, id: string): QueueDetail | null {
  const row = db
    .prepare(`SELECT ${SUMMARY_COLUMNS}, envelope, body_path IS NOT NULL AS spooled, identity FROM messages WHERE id = ?`)
    .get(id) as (MessageRow & { envelope: string; spooled: number; identity: string | null }) | undefined;
  if (!row) return null;
  return {
    ...toSummary(row),
    identity: row.identity,
    recipients: recipientDetails(db, id),
    envelope: JSON.parse(row.envelope) as Envelope,
    bodyStorage: row.spooled ? 'spool' : 'database',
  };
}

/** The whole body in memory: for tests and small messages; null for an unknown id or lost file. */
export function readBody(db: Db, dataDir: string, id: string): Buffer | null {
  const row = db.prepare('SELECT body, body_path FROM messages WHERE id = ?').get(id) as
    | { body: Buffer | null; body_path: string | null }
    | undefined;
  if (!row) return null;
  if (row.body_path === null) return row.body ?? Buffer.alloc(0);
  try {
    return readFileSync(join(dataDir, row.body_path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function countMessages(db: Db): number {
  return db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
}

function listFilter(opts: ListOptions): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (opts.direction !== undefined) {
    clauses.push('direction = ?');
    params.push(opts.direction);
  }
  if (opts.before !== undefined) {
    clauses.push('(received_at, id) < (?, ?)');
    params.push(opts.before.receivedAt, opts.before.id);
  }
  const recipient: string[] = [];
  if (opts.state !== undefined) {
    recipient.push('r.state = ?');
    params.push(opts.state);
  }
  if (opts.domain !== undefined) {
    recipient.push('r.domain = ?');
    params.push(opts.domain.toLowerCase());
  }
  if (recipient.length > 0) {
    clauses.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.message_id = messages.id AND ${recipient.join(' AND ')})`);
  }
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

function recipientDetails(db: Db, id: string): RecipientDetail[] {
  const rows = db
    .prepare(`SELECT ${DETAIL_COLUMNS} FROM recipients WHERE message_id = ? ORDER BY idx`)
    .all(id) as RecipientDetailRow[];
  const history = attemptsByRecipient(db, id);
  return rows.map((row) => ({
    ...toRecipientSummary(row),
    ...present('notify', row.notify === null ? null : row.notify.split(',')),
    ...present('orcpt', row.orcpt),
    ...present('lastAttemptAt', row.last_attempt_at),
    ...present('lastMta', row.last_mta),
    ...present('finalAt', row.final_at),
    dsnPending: row.dsn_pending === 1,
    history: history.get(row.idx) ?? [],
  }));
}

type AttemptRow = Omit<AttemptRecord, 'durationMs' | 'localIp' | 'remote'> & {
  idx: number;
  duration_ms: number;
  local_ip: string | null;
  remote: number;
};

function attemptsByRecipient(db: Db, id: string): Map<number, AttemptRecord[]> {
  const rows = db
    .prepare(
      `SELECT idx, at, duration_ms, outcome, route, mx, ip, port, local_ip, tls, code, enhanced, text, remote, phase,
              class, reason
       FROM attempts WHERE message_id = ? ORDER BY idx, at, id`,
    )
    .all(id) as AttemptRow[];
  const byIdx = new Map<number, AttemptRecord[]>();
  for (const { idx, duration_ms, local_ip, remote, ...rest } of rows) {
    const list = byIdx.get(idx) ?? [];
    list.push({ ...rest, durationMs: duration_ms, localIp: local_ip, remote: remote === 1 });
    byIdx.set(idx, list);
  }
  return byIdx;
}

function toRecipientSummary(row: RecipientRow): RecipientSummary {
  // A stale next_attempt_at on a held or final row would read as a promise, so it is left out.
  const waiting = row.state === 'queued' || row.state === 'deferred' || row.state === 'throttled';
  const throttled = row.state === 'throttled';
  const replied = row.last_code !== null || row.last_text !== null;
  return {
    address: row.address,
    state: row.state,
    attempts: row.attempts,
    ...present('nextAttemptAt', waiting ? row.next_attempt_at : null),
    ...(replied ? { lastReply: { code: row.last_code, enhanced: row.last_enhanced, text: row.last_text } } : {}),
    ...present('waitReason', throttled ? row.wait_reason : null),
    ...present('waitIdentity', throttled ? row.wait_identity : null),
  };
}

/** `{ [key]: value }` when value is not null, else nothing: JSON views leave absent fields out. */
function present<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

function toSummary(row: MessageRow): Omit<QueueSummary, 'recipients'> {
  return {
    id: row.id,
    direction: row.direction,
    state: row.state,
    receivedAt: row.received_at,
    sender: row.sender,
    size: row.size,
  };
}
