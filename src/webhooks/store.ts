// The `webhooks` and `webhook_failures` tables: endpoints, their cursors and failure state. Every
// cursor move is conditional on the cursor read before the request, so a concurrent CLI change wins.
import { randomBytes } from 'node:crypto';
import { EventStore } from '../events/store.js';
import { EVENT_TYPES, type EventType, type StoredEvent } from '../events/types.js';
import type { Db } from '../store/db.js';

/** Who made the endpoint: `petrel webhook add`, the HTTP API, or the config file. */
export type WebhookOrigin = 'cli' | 'api' | 'config';
const ORIGINS: readonly string[] = ['cli', 'api', 'config'];

export interface Webhook {
  id: string;
  url: string;
  /** Sealed secret for CLI endpoints; '' for config ones (the secret is in the environment). */
  secret: string;
  /** Event types sent; empty: all. */
  events: EventType[];
  origin: WebhookOrigin;
  createdAt: number;
  /** Id of the last event handled (sent or dropped). */
  cursor: number;
  failingSince: number | null;
  failures: number;
  nextAttemptAt: number | null;
  lastError: string | null;
}

export type NewWebhook = Pick<Webhook, 'id' | 'url' | 'secret' | 'events' | 'origin' | 'createdAt' | 'cursor'>;

export interface FailureState {
  failingSince: number;
  failures: number;
  nextAttemptAt: number;
  error: string;
}

const COLUMNS = `id, url, secret, events, origin, created_at AS createdAt, cursor, failing_since AS failingSince,
  failures, next_attempt_at AS nextAttemptAt, last_error AS lastError`;

type Row = Omit<Webhook, 'events'> & { events: string };

/** A new id for a CLI endpoint, e.g. `wh_1f2e3d4c5b6a`. */
export function newWebhookId(): string {
  return `wh_${randomBytes(6).toString('hex')}`;
}

/** Parse a comma-separated list of event types; throws naming the first unknown one. */
export function parseEventTypes(text: string): EventType[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(EVENT_TYPES as readonly string[]).includes(name)) {
      throw new Error(`unknown event type "${name}" (known: ${EVENT_TYPES.join(', ')})`);
    }
  }
  return [...new Set(names)] as EventType[];
}

export class WebhookStore {
  readonly events: EventStore;
  private readonly allRows;

  constructor(private readonly db: Db) {
    this.events = new EventStore(db);
    // The dispatcher reads every endpoint on each wake (once per group commit): prepare it once.
    this.allRows = db.prepare(`SELECT ${COLUMNS} FROM webhooks ORDER BY created_at, id`);
  }

  all(): Webhook[] {
    return (this.allRows.all() as Row[]).map(fromRow);
  }

  get(id: string): Webhook | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?`).get(id) as Row | undefined;
    return row === undefined ? null : fromRow(row);
  }

  add(w: NewWebhook): void {
    this.db
      .prepare(`INSERT INTO webhooks (id, url, secret, events, origin, created_at, cursor) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(w.id, w.url, w.secret, JSON.stringify(w.events), w.origin, w.createdAt, w.cursor);
  }

  /** Change the event filter of an endpoint, keeping its cursor. */
  setEvents(id: string, events: readonly EventType[]): void {
    this.db.prepare('UPDATE webhooks SET events = ? WHERE id = ?').run(JSON.stringify(events), id);
  }

  /** Point an endpoint at a new URL, keeping its cursor; its failure state is cleared so it is tried now. */
  setUrl(id: string, url: string): void {
    const sql = `UPDATE webhooks SET url = ?, failing_since = NULL, failures = 0, next_attempt_at = NULL, last_error = NULL WHERE id = ?`;
    this.db.prepare(sql).run(url, id);
  }

  /** False when there was no such endpoint. */
  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
  }

  /** Up to `limit` events after the cursor that the endpoint wants, oldest first. */
  batch(w: Webhook, limit: number): StoredEvent[] {
    return this.events.list({ afterId: w.cursor, types: w.events, limit });
  }

  /** How many events after the cursor the endpoint wants. */
  backlog(w: Pick<Webhook, 'cursor' | 'events'>): number {
    const types = w.events.length > 0 ? ` AND type IN (${w.events.map(() => '?').join(',')})` : '';
    return this.db.prepare(`SELECT count(*) FROM events WHERE id > ?${types}`).pluck().get(w.cursor, ...w.events) as number;
  }

  /** After a 2xx: move the cursor from `from` to `to` and clear the failure state. */
  advance(id: string, from: number, to: number): boolean {
    const sql = `UPDATE webhooks SET cursor = ?, failing_since = NULL, failures = 0, next_attempt_at = NULL, last_error = NULL
                 WHERE id = ? AND cursor = ?`;
    return this.db.prepare(sql).run(to, id, from).changes > 0;
  }

  /** Record a failed attempt of the batch after `cursor`; the cursor stays. */
  recordFailure(id: string, cursor: number, f: FailureState): void {
    this.db
      .prepare(`UPDATE webhooks SET failing_since = ?, failures = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND cursor = ?`)
      .run(f.failingSince, f.failures, f.nextAttemptAt, f.error, id, cursor);
  }

  /** Give up on a batch: record it in webhook_failures and move the cursor from `cursor` past it. */
  drop(id: string, cursor: number, batch: { first: number; last: number }, at: number, error: string): boolean {
    return this.db.transaction(() => {
      if (!this.advance(id, cursor, batch.last)) return false;
      this.recordDropped(id, batch, at, error);
      return true;
    })();
  }

  /** Note a dropped batch in webhook_failures (the caller moves the cursor). */
  recordDropped(id: string, batch: { first: number; last: number }, at: number, error: string): void {
    this.db
      .prepare('INSERT INTO webhook_failures (webhook_id, first_event, last_event, dropped_at, error) VALUES (?, ?, ?, ?, ?)')
      .run(id, batch.first, batch.last, at, error);
  }

  /** Dropped batches of an endpoint, newest first. */
  failures(id: string): Array<{ firstEvent: number; lastEvent: number; droppedAt: number; error: string }> {
    const sql = `SELECT first_event AS firstEvent, last_event AS lastEvent, dropped_at AS droppedAt, error
                 FROM webhook_failures WHERE webhook_id = ? ORDER BY dropped_at DESC, rowid DESC`;
    return this.db.prepare(sql).all(id) as Array<{ firstEvent: number; lastEvent: number; droppedAt: number; error: string }>;
  }
}

function fromRow(row: Row): Webhook {
  return { ...row, origin: ORIGINS.includes(row.origin) ? row.origin : 'cli', events: JSON.parse(row.events) as EventType[] };
}
