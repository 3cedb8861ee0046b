// Reading the global event stream in PostgreSQL (cluster mode): every node's events in one id order,
// each with the node it happened on. Only reads; PostgreSQL errors reject the caller's promise.
import type { EventQuery } from '../events/store.js';
import type { EventType, StoredEvent } from '../events/types.js';
import type { SharedDb } from './pg.js';

const COLUMNS = `id, node, at, type, message_id AS "messageId", recipient, sender, sending_domain AS "sendingDomain",
  source_ip AS "sourceIp", mx, code, enhanced, text, class, reason, data`;

type Row = Omit<StoredEvent, 'id' | 'at' | 'data'> & { id: string; at: string; data: string | null };

/** The WHERE clause and its values for a query (ids and times as numbers, `$n` placeholders). */
function filterOf(q: EventQuery): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    args.push(value);
    where.push(clause(`$${args.length}`));
  };
  if (q.afterId !== undefined) add((n) => `id > ${n}`, q.afterId);
  if (q.since !== undefined) add((n) => `at >= ${n}`, q.since);
  if (q.types && q.types.length > 0) add((n) => `type = ANY(${n}::text[])`, [...q.types]);
  if (q.messageId !== undefined) add((n) => `message_id = ${n}`, q.messageId);
  if (q.recipient !== undefined) add((n) => `lower(recipient) = lower(${n})`, q.recipient);
  if (q.sendingDomain !== undefined) add((n) => `sending_domain = ${n}`, q.sendingDomain.toLowerCase());
  return { sql: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', args };
}

function fromRow(r: Row): StoredEvent {
  return { ...r, id: Number(r.id), at: Number(r.at), type: r.type as EventType, data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {} };
}

/** Events matching `q` in global id order, oldest first (default limit 100). */
export async function listSharedEvents(shared: SharedDb, q: EventQuery = {}): Promise<StoredEvent[]> {
  const f = filterOf(q);
  const { rows } = await shared.query<Row>(`SELECT ${COLUMNS} FROM events ${f.sql} ORDER BY id LIMIT $${f.args.length + 1}`, [...f.args, q.limit ?? 100]);
  return rows.map(fromRow);
}

/** The newest `limit` events matching `q` (afterId ignored), oldest first. */
export async function newestSharedEvents(shared: SharedDb, q: Omit<EventQuery, 'afterId'> & { limit: number }): Promise<StoredEvent[]> {
  const f = filterOf(q);
  const sql = `SELECT * FROM (SELECT ${COLUMNS} FROM events ${f.sql} ORDER BY id DESC LIMIT $${f.args.length + 1}) AS newest ORDER BY id`;
  const { rows } = await shared.query<Row>(sql, [...f.args, q.limit]);
  return rows.map(fromRow);
}

/** The id of the newest event in the stream, 0 when there is none. */
export async function lastSharedEventId(shared: SharedDb): Promise<number> {
  const { rows } = await shared.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM events');
  return Number(rows[0]!.id);
}

/** How many events after `cursor` of these types (all when empty) wait. */
export async function countSharedEventsAfter(shared: SharedDb, cursor: number, types: readonly EventType[]): Promise<number> {
  const f = filterOf({ afterId: cursor, types });
  const { rows } = await shared.query<{ n: string }>(`SELECT count(*) AS n FROM events ${f.sql}`, f.args);
  return Number(rows[0]!.n);
}

/** The global stream as a tail's source (events/tail.ts). */
export function sharedEventReader(shared: SharedDb): { list(q: EventQuery): Promise<StoredEvent[]>; lastId(): Promise<number> } {
  return { list: (q) => listSharedEvents(shared, q), lastId: () => lastSharedEventId(shared) };
}
