// Reading events for people: the newest N matching a filter, and a follower that polls for new ones
// until stopped. Both only read; SQLite errors pass through.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../store/db.js';
import { EventStore, type EventQuery } from './store.js';
import type { StoredEvent } from './types.js';

/** The newest `limit` events matching `q` (afterId ignored), oldest first. */
export function newestEvents(db: Db, q: Omit<EventQuery, 'afterId'> & { limit: number }): StoredEvent[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.since !== undefined) (where.push('at >= ?'), args.push(q.since));
  if (q.types && q.types.length > 0) (where.push(`type IN (${q.types.map(() => '?').join(',')})`), args.push(...q.types));
  if (q.messageId !== undefined) (where.push('message_id = ?'), args.push(q.messageId));
  if (q.recipient !== undefined) (where.push('recipient = ? COLLATE NOCASE'), args.push(q.recipient));
  if (q.sendingDomain !== undefined) (where.push('sending_domain = ?'), args.push(q.sendingDomain.toLowerCase()));
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // The id of the oldest event to show, then the ordinary cursor read from just before it.
  const ids = db.prepare(`SELECT id FROM events ${filter} ORDER BY id DESC LIMIT ?`).pluck().all(...args, q.limit) as number[];
  if (ids.length === 0) return [];
  return new EventStore(db).list({ ...q, afterId: ids[ids.length - 1]! - 1 });
}

/** Where a tail reads from: the node's EventStore, or the cluster's global stream (cluster/events.ts). */
export interface EventReader {
  list(q: EventQuery): StoredEvent[] | Promise<StoredEvent[]>;
  lastId(): number | Promise<number>;
}

export interface TailOptions extends Omit<EventQuery, 'afterId' | 'limit'> {
  /** Start after this id; default: the newest event now (only new events are shown). */
  fromId?: number;
  /** Stop after this many events. */
  max?: number;
  pollMs?: number;
  signal: AbortSignal;
}

/** Call `emit` for every event committed after the start, in id order, until `signal` aborts or `max` is reached. */
export async function tailEvents(source: Db | EventReader, opts: TailOptions, emit: (event: StoredEvent) => void | Promise<void>): Promise<number> {
  const store: EventReader = 'lastId' in source ? source : new EventStore(source);
  let cursor = opts.fromId ?? (await store.lastId());
  let emitted = 0;
  const { fromId: _f, max, pollMs = 250, signal, ...filter } = opts;
  while (!signal.aborted && (max === undefined || emitted < max)) {
    const batch = await store.list({ ...filter, afterId: cursor, limit: 500 });
    for (const event of batch) {
      if (signal.aborted || (max !== undefined && emitted >= max)) return emitted;
      await emit(event);
      emitted++;
      cursor = event.id;
    }
    // A full batch means more are waiting; otherwise wait for the next poll.
    if (batch.length < 500) await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
  return emitted;
}
