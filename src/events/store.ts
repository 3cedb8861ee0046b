// Appending and reading events. appendEvent is prepared once per connection so other modules can write
// events inside their own transactions (the commit thread, the scheduler's result batch).
import type { Db } from '../store/db.js';
import type { EventType, NewEvent, StoredEvent } from './types.js';

const COLUMNS = `id, at, type, message_id AS messageId, recipient, sender, sending_domain AS sendingDomain,
  source_ip AS sourceIp, mx, code, enhanced, text, class, reason, data`;

/** Prepare once per connection; the returned function inserts one event (use it inside a transaction). */
export function prepareEventInsert(db: Db): (event: NewEvent) => void {
  const insert = db.prepare(
    `INSERT INTO events (at, type, message_id, recipient, sender, sending_domain, source_ip, mx, code,
       enhanced, text, class, reason, data)
     VALUES (@at, @type, @messageId, @recipient, @sender, @sendingDomain, @sourceIp, @mx, @code,
       @enhanced, @text, @class, @reason, @data)`,
  );
  return (e) => {
    insert.run({
      at: e.at,
      type: e.type,
      messageId: e.messageId ?? null,
      recipient: e.recipient ?? null,
      sender: e.sender ?? null,
      sendingDomain: e.sendingDomain ?? null,
      sourceIp: e.sourceIp ?? null,
      mx: e.mx ?? null,
      code: e.code ?? null,
      enhanced: e.enhanced ?? null,
      text: e.text ?? null,
      class: e.class ?? null,
      reason: e.reason ?? null,
      data: e.data && Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : null,
    });
  };
}

export interface EventQuery {
  /** Only events with id > afterId (a cursor). */
  afterId?: number;
  /** Only events at or after this time (ms). */
  since?: number;
  types?: readonly EventType[];
  messageId?: string;
  recipient?: string;
  sendingDomain?: string;
  /** At most this many, oldest first (default 100). */
  limit?: number;
}

export class EventStore {
  private readonly insert: (event: NewEvent) => void;
  private readonly appendMany;
  private readonly maxId;

  constructor(private readonly db: Db) {
    this.insert = prepareEventInsert(db);
    this.appendMany = db.transaction((events: readonly NewEvent[]) => events.forEach((e) => this.insert(e)));
    this.maxId = db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
  }

  /** Append events in one transaction. */
  append(events: readonly NewEvent[]): void {
    if (events.length > 0) this.appendMany(events);
  }

  /** The id of the newest event, 0 when there is none. */
  lastId(): number {
    return this.maxId.get() as number;
  }

  /** Events matching `q`, in id order. */
  list(q: EventQuery = {}): StoredEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.afterId !== undefined) (where.push('id > ?'), args.push(q.afterId));
    if (q.since !== undefined) (where.push('at >= ?'), args.push(q.since));
    if (q.types && q.types.length > 0) (where.push(`type IN (${q.types.map(() => '?').join(',')})`), args.push(...q.types));
    if (q.messageId !== undefined) (where.push('message_id = ?'), args.push(q.messageId));
    if (q.recipient !== undefined) (where.push('recipient = ? COLLATE NOCASE'), args.push(q.recipient));
    if (q.sendingDomain !== undefined) (where.push('sending_domain = ?'), args.push(q.sendingDomain.toLowerCase()));
    const sql = `SELECT ${COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit ?? 100) as Array<StoredEvent & { data: string | null }>;
    return rows.map((r) => ({ ...r, data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : {} }));
  }
}
