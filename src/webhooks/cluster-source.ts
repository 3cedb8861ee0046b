// Cluster mode's webhook state: this node sends to the endpoints whose lease `webhook:<id>` it holds, from
// the global stream after the cursor in PostgreSQL, moved only while the lease is held. Errors reject.
import { countSharedEventsAfter, listSharedEvents } from '../cluster/events.js';
import { acquireLeases, releaseLeases } from '../cluster/leases.js';
import type { SharedDb } from '../cluster/pg.js';
import type { StoredEvent } from '../events/types.js';
import type { Logger } from '../util/log.js';
import type { EndpointSource } from './dispatcher.js';
import type { FailureState, Webhook, WebhookStore } from './store.js';

const PREFIX = 'webhook:';
const NO_FAILURE = { failingSince: null, failures: 0, nextAttemptAt: null, lastError: null };

export interface ClusterSourceOptions {
  store: WebhookStore;
  shared: SharedDb;
  node: string;
  ttlSeconds: number;
  log: Logger;
}

export class ClusterEndpointSource implements EndpointSource {
  /** Held endpoints and their cursors as of the last round. */
  private held = new Map<string, number>();
  private readonly backlogs = new Map<string, number>();
  private readonly failing = new Map<string, FailureState>();

  constructor(private readonly o: ClusterSourceOptions) {}

  /** Take or renew the leases of every endpoint; true when this node holds one it did not before. */
  async renew(): Promise<boolean> {
    const endpoints = this.o.store.all();
    const names = await acquireLeases(this.o.shared, endpoints.map((w) => PREFIX + w.id), this.o.node, this.o.ttlSeconds);
    const next = new Map<string, number>();
    for (const w of endpoints) {
      if (names.has(PREFIX + w.id)) next.set(w.id, await this.cursorOf(w));
    }
    const gained = [...next.keys()].some((id) => !this.held.has(id));
    for (const id of this.failing.keys()) if (!next.has(id)) this.failing.delete(id);
    this.held = next;
    for (const w of endpoints) if (next.has(w.id)) this.backlogs.set(w.id, await countSharedEventsAfter(this.o.shared, next.get(w.id)!, w.events));
    return gained;
  }

  /** Give the leases up at shutdown, so another node goes on at once. */
  async release(): Promise<void> {
    this.held = new Map();
    await releaseLeases(this.o.shared, this.o.node, PREFIX);
  }

  all(): Webhook[] {
    return this.o.store.all().filter((w) => this.held.has(w.id)).map((w) => this.view(w, this.held.get(w.id)!));
  }

  async get(id: string): Promise<Webhook | null> {
    const w = this.held.has(id) ? this.o.store.get(id) : null;
    if (w === null) return null;
    const { rows } = await this.o.shared.query<{ cursor: string }>('SELECT cursor FROM webhook_cursors WHERE webhook_id = $1', [id]);
    return rows.length === 0 ? null : this.view(w, Number(rows[0]!.cursor));
  }

  batch(w: Webhook, limit: number): Promise<StoredEvent[]> {
    return listSharedEvents(this.o.shared, { afterId: w.cursor, types: w.events, limit });
  }

  backlog(w: Webhook): number {
    return this.backlogs.get(w.id) ?? 0;
  }

  /** Move the cursor, only from where it was and only while this node holds the lease. */
  async advance(id: string, from: number, to: number): Promise<boolean> {
    const { rowCount } = await this.o.shared.query(
      `UPDATE webhook_cursors SET cursor = $3 WHERE webhook_id = $1 AND cursor = $2
         AND EXISTS (SELECT 1 FROM leases WHERE name = $4 AND holder = $5 AND expires_at > now())`,
      [id, from, to, PREFIX + id, this.o.node],
    );
    this.failing.delete(id);
    if (rowCount === 1 && this.held.has(id)) this.held.set(id, to);
    return rowCount === 1;
  }

  recordFailure(id: string, _cursor: number, f: FailureState): void {
    this.failing.set(id, f);
  }

  /** Skip a batch failing for retryHours; recorded in this node's webhook_failures. */
  async drop(id: string, cursor: number, batch: { first: number; last: number }, at: number, error: string): Promise<boolean> {
    if (!(await this.advance(id, cursor, batch.last))) return false;
    this.o.store.recordDropped(id, batch, at, error);
    return true;
  }

  /**
   * The endpoint's cursor in PostgreSQL. A new endpoint starts just before the first event at or after
   * its creation (single-node mode starts at the newest event when it is added).
   */
  private async cursorOf(w: Webhook): Promise<number> {
    const { rows } = await this.o.shared.query<{ cursor: string }>(
      `INSERT INTO webhook_cursors (webhook_id, cursor)
       SELECT $1, coalesce((SELECT min(id) - 1 FROM events WHERE at >= $2), (SELECT coalesce(max(id), 0) FROM events))
       ON CONFLICT (webhook_id) DO UPDATE SET cursor = webhook_cursors.cursor
       RETURNING cursor`,
      [w.id, w.createdAt],
    );
    return Number(rows[0]!.cursor);
  }

  private view(w: Webhook, cursor: number): Webhook {
    const f = this.failing.get(w.id);
    const failure = f ? { failingSince: f.failingSince, failures: f.failures, nextAttemptAt: f.nextAttemptAt, lastError: f.error } : NO_FAILURE;
    return { ...w, cursor, ...failure };
  }
}
