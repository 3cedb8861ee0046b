// The scheduler's SQL: claim due recipients (state → active), load a message for delivery, write
// attempt results back in one transaction, and put interrupted deliveries back after a crash.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { prepareEventInsert } from '../events/store.js';
import type { NewEvent } from '../events/types.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import { addSuppression, SuppressionStore } from '../suppression/store.js';
import { applyOperatorRequest, requestsInFlight, type OperatorRequest } from './control.js';
import type { HardBounce } from './delivery-events.js';

/** Recipient states that still wait for delivery. */
export const PENDING_STATES = ['queued', 'deferred', 'throttled', 'active', 'held'] as const;

/** Bodies up to this size are read with the envelope: 10,000 ready messages then hold at most 80 MB. */
const EAGER_BODY_LIMIT = 8192;

export interface DueRecipient {
  rowid: number;
  messageId: string;
  idx: number;
  address: string;
  domain: string;
  notify: string | null;
  orcpt: string | null;
  attempts: number;
  delayNotified: number;
}

export interface StoredMessage {
  envelope: Envelope;
  size: number;
  receivedAt: number;
  /** The sending identity (src/identities) it leaves through, if any. */
  identity?: string;
  body: () => Readable;
  /**
   * Reads the body when it lives in the database (up to queue.memoryBodyLimit), once: bodies are
   * read when a connection is about to send them, so the ready set never holds them all.
   */
  data?: () => Buffer;
}

/** One recipient's new row values after an attempt. */
export interface RecipientUpdate {
  messageId: string;
  idx: number;
  state: 'queued' | 'deferred' | 'throttled' | 'delivered' | 'relayed' | 'bounced' | 'expired';
  /** throttled: why it waits and for which identity (src/pacing); the last reply is left as it was. */
  wait?: { reason: string; identity: string };
  nextAttemptAt: number | null;
  countsAsAttempt: boolean; // false when we never reached a host (e.g. a paused destination)
  at: number;
  code: number;
  enhanced: string;
  text: string;
  remote: boolean;
  mta: string | null;
  dsnPending: boolean;
  delayNotified: boolean;
  final: boolean;
}

export interface AttemptRow {
  messageId: string;
  idx: number;
  at: number;
  durationMs: number;
  outcome: string;
  route: string;
  mx: string | null;
  ip: string | null;
  port: number | null;
  localIp: string | null;
  tls: string | null;
  code: number;
  enhanced: string;
  text: string;
  remote: boolean;
  phase: string;
  class: string | null;
  reason: string | null;
  /** The sending identity whose send this was (caps count these rows). */
  identity?: string | null;
}

/** One recipient's result as written: its new state, attempt row, event and suppression entry. */
export interface ResultRow {
  update: RecipientUpdate;
  attempt: AttemptRow | null;
  event?: NewEvent | null;
  suppress?: HardBounce | null;
}

export class DeliveryStore {
  private readonly due;
  private readonly activate;
  private readonly message;
  private readonly bodyOf;
  private readonly nextDue;
  private readonly applyBatch;
  private readonly dsnPending;

  constructor(private readonly db: Db, private readonly dataDir: string) {
    this.due = db.prepare(
      `SELECT rowid, message_id AS messageId, idx, address, domain, notify, orcpt, attempts,
              delay_notified AS delayNotified
       FROM recipients WHERE state IN ('queued', 'deferred', 'throttled') AND next_attempt_at <= ?
       ORDER BY next_attempt_at LIMIT ?`,
    );
    this.activate = db.prepare(`UPDATE recipients SET state = 'active' WHERE rowid = ?`);
    // Small bodies come with the envelope (one query); larger ones are read when sent.
    this.message = db.prepare(
      `SELECT envelope, size, received_at, body_path, identity, CASE WHEN size <= ${EAGER_BODY_LIMIT} THEN body END AS small
       FROM messages WHERE id = ?`,
    );
    this.bodyOf = db.prepare('SELECT body FROM messages WHERE id = ?').pluck();
    this.nextDue = db
      .prepare(`SELECT min(next_attempt_at) FROM recipients WHERE state IN ('queued', 'deferred', 'throttled')`)
      .pluck();
    this.applyBatch = prepareApply(db);
    this.dsnPending = db.prepare('SELECT 1 FROM recipients WHERE dsn_pending = 1 LIMIT 1').pluck();
  }

  /** Whether any DSN waits to be sent (also those an operator asked for with `queue bounce`). */
  hasPendingDsn(): boolean {
    return this.dsnPending.get() !== undefined;
  }

  /** After a crash, deliveries that were in progress are due again (at least once, never lost). */
  recoverActive(now: number): number {
    return this.db.transaction(() => {
      const requested = requestsInFlight(this.db);
      const changed = this.db
        .prepare(`UPDATE recipients SET state = 'queued', next_attempt_at = ? WHERE state = 'active'`)
        .run(now).changes;
      for (const r of requested) applyOperatorRequest(this.db, r.messageId, r.idx, r.request, now);
      return changed;
    })();
  }

  /** Take up to `limit` due recipients, oldest due first, and mark them active. */
  claimDue(now: number, limit: number): DueRecipient[] {
    return this.db.transaction(() => {
      const rows = this.due.all(now, limit) as DueRecipient[];
      for (const row of rows) this.activate.run(row.rowid);
      return rows;
    })();
  }

  /** Earliest next_attempt_at among waiting recipients, or null when none waits. */
  nextDueAt(): number | null {
    return (this.nextDue.get() as number | null) ?? null;
  }

  /** The message for delivery; null when it was deleted meanwhile. */
  loadMessage(id: string): StoredMessage | null {
    const row = this.message.get(id) as
      | { envelope: string; size: number; received_at: number; body_path: string | null; identity: string | null; small: Buffer | null }
      | undefined;
    if (!row) return null;
    const message = { envelope: JSON.parse(row.envelope) as Envelope, size: row.size, receivedAt: row.received_at, ...(row.identity ? { identity: row.identity } : {}) };
    if (row.body_path !== null) {
      const path = join(this.dataDir, row.body_path);
      return { ...message, body: () => createReadStream(path, { highWaterMark: 256 * 1024 }) };
    }
    let cached: Buffer | null = row.small;
    const data = () => (cached ??= (this.bodyOf.get(id) as Buffer | null | undefined) ?? Buffer.alloc(0));
    return { ...message, data, body: () => Readable.from([data()]) };
  }

  /**
   * Write recipient updates with their attempt rows, events and suppressions in one transaction. A
   * recipient no longer active (its message was deleted meanwhile) is skipped, with all of its rows.
   * The messages row is never touched: rewriting it would rewrite its body BLOB (inspect.ts derives
   * a message's state from its recipients).
   */
  apply(results: readonly ResultRow[]): void {
    this.applyBatch(results);
  }
}

function prepareApply(db: Db) {
  const update = db.prepare(
    `UPDATE recipients SET state = @state, next_attempt_at = @nextAttemptAt,
       attempts = attempts + @counts, last_attempt_at = @at, last_code = @code, last_enhanced = @enhanced,
       last_text = @text, last_remote = @remote, last_mta = @mta, dsn_pending = @dsnPending,
       delay_notified = max(delay_notified, @delayNotified), final_at = @finalAt, wait_reason = NULL, wait_identity = NULL
     WHERE message_id = @messageId AND idx = @idx AND state = 'active' RETURNING operator_request AS request`,
  );
  const wait = db.prepare(
    `UPDATE recipients SET state = 'throttled', next_attempt_at = @nextAttemptAt, wait_reason = @reason, wait_identity = @identity
     WHERE message_id = @messageId AND idx = @idx AND state = 'active' RETURNING operator_request AS request`,
  );
  // The row's request, if the operator held or bounced it during the attempt (queue/control.ts).
  type Changed = { request: OperatorRequest | null } | undefined;
  const requested = (changed: Changed, u: RecipientUpdate) => {
    if (changed?.request) applyOperatorRequest(db, u.messageId, u.idx, changed.request, u.at);
  };
  const insertAttempt = db.prepare(
    `INSERT INTO attempts (message_id, idx, at, duration_ms, outcome, route, mx, ip, port, local_ip, tls,
       code, enhanced, text, remote, phase, class, reason, identity)
     VALUES (@messageId, @idx, @at, @durationMs, @outcome, @route, @mx, @ip, @port, @localIp, @tls,
       @code, @enhanced, @text, @remote, @phase, @class, @reason, @identity)`,
  );
  const insertEvent = prepareEventInsert(db);
  const suppressions = new SuppressionStore(db);
  return db.transaction((results: readonly ResultRow[]) => {
    for (const { update: u, attempt, event, suppress: hard } of results) {
      if (u.state === 'throttled' && u.wait) {
        requested(wait.get({ messageId: u.messageId, idx: u.idx, nextAttemptAt: u.nextAttemptAt, ...u.wait }) as Changed, u);
        continue;
      }
      const changed = update.get({
        ...u,
        counts: u.countsAsAttempt ? 1 : 0,
        remote: u.remote ? 1 : 0,
        dsnPending: u.dsnPending ? 1 : 0,
        delayNotified: u.delayNotified ? 1 : 0,
        finalAt: u.final ? u.at : null,
      }) as Changed;
      if (changed === undefined) continue; // deleted (or put back) while in delivery
      if (attempt) insertAttempt.run({ ...attempt, remote: attempt.remote ? 1 : 0, identity: attempt.identity ?? null });
      if (event) insertEvent(event);
      if (hard) addSuppression(suppressions, { ...hard, scope: '', reason: 'hard-bounce' });
      requested(changed, u);
    }
  });
}
