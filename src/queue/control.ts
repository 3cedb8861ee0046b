// Operator actions on the queue (retry, hold, release, bounce, delete, flush): each is one SQLite
// transaction returning how many recipients changed, or null for an unknown id. SQLite errors throw.
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { prepareEventInsert } from '../events/store.js';
import type { Db } from '../store/db.js';
import { domainOf } from './message-rows.js';

/** What an operator bounce records as the recipient's last reply (RFC 3463 5.3.0: other mail system status). */
export const OPERATOR_BOUNCE = { code: 554, enhanced: '5.3.0', text: 'bounced by the operator' } as const;

// Recipients in a delivery attempt ('active') are not changed under it: a hold or bounce is recorded
// as their operator_request and applied when the attempt ends without delivering (applyOperatorRequest).
const RETRY = `UPDATE recipients SET state = 'queued', next_attempt_at = ? WHERE state IN ('queued', 'deferred', 'throttled')`;
const HOLD = `UPDATE recipients SET state = 'held' WHERE state IN ('queued', 'deferred', 'throttled')`;
const RELEASE = `UPDATE recipients SET state = 'queued', next_attempt_at = ? WHERE state = 'held'`;
const FLUSH = `UPDATE recipients SET state = 'queued', next_attempt_at = ? WHERE state = 'deferred'`;
const BOUNCE = `UPDATE recipients SET state = 'bounced', final_at = ?, next_attempt_at = NULL, dsn_pending = 1,
  last_code = ${OPERATOR_BOUNCE.code}, last_enhanced = '${OPERATOR_BOUNCE.enhanced}',
  last_text = '${OPERATOR_BOUNCE.text}', last_remote = 0, last_mta = NULL
  WHERE state IN ('queued', 'deferred', 'throttled', 'held')`;
const REQUEST = `UPDATE recipients SET operator_request = ? WHERE state = 'active'`;
const CANCEL_HOLD = `UPDATE recipients SET operator_request = NULL WHERE state = 'active' AND operator_request = 'hold'`;

/** What an operator asked for a recipient that was in a delivery attempt at the time. */
export type OperatorRequest = 'hold' | 'bounce';

/**
 * Make queued and deferred recipients due now: of message `id`, or of every message when null.
 * @example retryNow(db, null) // like `postqueue -i` for the whole queue
 */
export function retryNow(db: Db, id: string | null, now = Date.now()): number | null {
  if (id === null) return db.prepare(RETRY).run(now).changes;
  return updateMessage(db, id, RETRY, [now]);
}

/** Put the queued and deferred recipients of `id` on hold: the scheduler never picks them. */
export function hold(db: Db, id: string): number | null {
  return updateMessage(db, id, HOLD, [], 'hold');
}

/** Queue the held recipients of `id` again, due now. */
export function release(db: Db, id: string, now = Date.now()): number | null {
  return db.transaction(() => {
    const changed = updateMessage(db, id, RELEASE, [now]);
    if (changed === null) return null;
    return changed + db.prepare(`${CANCEL_HOLD} AND message_id = ?`).run(id).changes;
  })();
}

/** Every deferred recipient of every message becomes due now (like `postqueue -f`). */
export function flush(db: Db, now = Date.now()): number {
  return db.prepare(FLUSH).run(now).changes;
}

/**
 * Bounce every queued, deferred or held recipient of `id` with 554 5.3.0 and mark its DSN pending;
 * one in a delivery attempt is bounced when the attempt ends without delivering it. The message is
 * done once no recipient is pending.
 */
export function bounceNow(db: Db, id: string, now = Date.now()): number | null {
  return db.transaction(() => {
    const message = db.prepare('SELECT sender FROM messages WHERE id = ?').get(id) as { sender: string } | undefined;
    if (message === undefined) return null;
    const pending = db
      .prepare(`SELECT address FROM recipients WHERE message_id = ? AND state IN ('queued', 'deferred', 'throttled', 'held') ORDER BY idx`)
      .pluck()
      .all(id) as string[];
    const changes = db.prepare(`${BOUNCE} AND message_id = ?`).run(now, id).changes;
    for (const recipient of pending) bounceEvent(db, id, message.sender, recipient, now);
    return changes + db.prepare(`${REQUEST} AND message_id = ?`).run('bounce', id).changes;
  })();
}

/**
 * Apply the operator's request to recipient (`messageId`, `idx`) whose attempt just ended with it
 * still pending; called inside the transaction that wrote the attempt's outcome.
 */
export function applyOperatorRequest(db: Db, messageId: string, idx: number, request: OperatorRequest, now: number): void {
  const where = ` AND message_id = ? AND idx = ?`;
  db.prepare(`UPDATE recipients SET operator_request = NULL WHERE message_id = ? AND idx = ?`).run(messageId, idx);
  if (request === 'hold') {
    db.prepare(`${HOLD}${where}`).run(messageId, idx);
    return;
  }
  if (db.prepare(`${BOUNCE}${where}`).run(now, messageId, idx).changes === 0) return;
  const row = db.prepare(`SELECT m.sender, r.address FROM recipients r JOIN messages m ON m.id = r.message_id
    WHERE r.message_id = ? AND r.idx = ?`).get(messageId, idx) as { sender: string; address: string };
  bounceEvent(db, messageId, row.sender, row.address, now);
}

/**
 * The requests made during the attempts a crash interrupted: read before recovery puts the active
 * recipients back (the state index finds them), applied with applyOperatorRequest after it.
 */
export function requestsInFlight(db: Db): Array<{ messageId: string; idx: number; request: OperatorRequest }> {
  return db.prepare(`SELECT message_id AS messageId, idx, operator_request AS request FROM recipients
    WHERE state = 'active' AND operator_request IS NOT NULL`).all() as Array<{ messageId: string; idx: number; request: OperatorRequest }>;
}

function bounceEvent(db: Db, messageId: string, sender: string, recipient: string, now: number): void {
  const sendingDomain = sender === '' ? '' : domainOf(sender);
  prepareEventInsert(db)({ at: now, type: 'bounced', messageId, recipient, sender, sendingDomain,
    ...OPERATOR_BOUNCE, class: 'unknown', reason: 'undefined', data: { source: 'operator' } });
}

/**
 * Delete message `id` with its recipients and attempts (ON DELETE CASCADE) and its spool file.
 * Returns how many recipients it had, or null for an unknown id.
 */
export function deleteMessage(db: Db, dataDir: string, id: string): number | null {
  const removed = db.transaction(() => {
    const row = db.prepare('SELECT body_path FROM messages WHERE id = ?').get(id) as
      | { body_path: string | null }
      | undefined;
    if (row === undefined) return null;
    const recipients = db.prepare('SELECT count(*) FROM recipients WHERE message_id = ?').pluck().get(id) as number;
    db.prepare('DELETE FROM messages WHERE id = ?').run(id);
    return { recipients, bodyPath: row.body_path };
  })();
  if (removed === null) return null;
  // The row goes first: a file left behind by a crash here is removed by spool recovery at start-up.
  if (removed.bodyPath !== null) unlinkIfPresent(join(dataDir, removed.bodyPath));
  return removed.recipients;
}

/**
 * Run `sql` (an UPDATE ending in a WHERE clause) for the recipients of one message; with `request`,
 * its recipients in a delivery attempt get it for when the attempt ends (counted as changed).
 */
function updateMessage(db: Db, id: string, sql: string, params: unknown[], request?: OperatorRequest): number | null {
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM messages WHERE id = ?').get(id) === undefined) return null;
    const changed = db.prepare(`${sql} AND message_id = ?`).run(...params, id).changes;
    return request === undefined ? changed : changed + db.prepare(`${REQUEST} AND message_id = ?`).run(request, id).changes;
  })();
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
