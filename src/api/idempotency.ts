// Idempotency-Key of POST /v1/messages: a key is claimed by inserting its row (with the queue id the
// message will get) before the message is queued, so a concurrent duplicate finds the row, never a gap.
// Rows live 24 hours. SQLite errors throw.
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const PURGE_EVERY_MS = 60_000;

/**
 * What a claim found: `claimed` (go ahead), `replay` (answer `response` again), `mismatch` (the key was
 * used with another body), `in-progress` (a request with the key runs here now: claim again once
 * `settled` resolves), or `orphaned`
 * (claimed by a request that never finished, e.g. before a crash: `messageId` may or may not exist).
 */
export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in-progress'; settled: Promise<void> }
  | { kind: 'orphaned'; messageId: string };

type Row = { request_hash: string; message_id: string; response: string };

/**
 * SHA-256 of a request in a canonical form: object keys sorted, so the same JSON in another key order
 * is the same request.
 * @example requestHash({ b: 1, a: [2] }) === requestHash({ a: [2], b: 1 })
 */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Buffer.isBuffer(value)) return `b64:${value.toString('base64')}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export class IdempotencyStore {
  /** Keys whose request runs in this process now: a row without a response is theirs, not an orphan. */
  private readonly running = new Map<string, { settled: Promise<void>; settle: () => void }>();
  private lastPurge = 0;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** Claim (apiKey, key) for a request with `hash` that will queue `messageId`. */
  claim(apiKey: string, key: string, hash: string, messageId: string): Claim {
    this.purgeNowAndThen();
    const inserted = this.db
      .prepare(`INSERT OR IGNORE INTO idempotency_keys (api_key, key, request_hash, message_id, response, created_at)
                VALUES (?, ?, ?, ?, '', ?)`)
      .run(apiKey, key, hash, messageId, this.now()).changes;
    const slot = slotOf(apiKey, key);
    if (inserted === 1) return this.run(slot), { kind: 'claimed' };
    const row = this.db
      .prepare('SELECT request_hash, message_id, response FROM idempotency_keys WHERE api_key = ? AND key = ?')
      .get(apiKey, key) as Row;
    if (row.request_hash !== hash) return { kind: 'mismatch' };
    if (row.response !== '') return { kind: 'replay', response: JSON.parse(row.response) as unknown };
    const running = this.running.get(slot);
    if (running) return { kind: 'in-progress', settled: running.settled };
    return { kind: 'orphaned', messageId: row.message_id };
  }

  /** Take over an orphaned claim for a new attempt that will queue `messageId`. */
  reclaim(apiKey: string, key: string, messageId: string): void {
    this.db.prepare('UPDATE idempotency_keys SET message_id = ?, created_at = ? WHERE api_key = ? AND key = ?')
      .run(messageId, this.now(), apiKey, key);
    this.run(slotOf(apiKey, key));
  }

  /** Record the response of a claimed key: later requests with it get the same answer. */
  complete(apiKey: string, key: string, messageId: string, response: unknown): void {
    this.db.prepare('UPDATE idempotency_keys SET message_id = ?, response = ? WHERE api_key = ? AND key = ?')
      .run(messageId, JSON.stringify(response), apiKey, key);
    this.settle(slotOf(apiKey, key));
  }

  /** Give a claimed key up (the request failed before its message was queued): it may be used again. */
  release(apiKey: string, key: string): void {
    this.db.prepare(`DELETE FROM idempotency_keys WHERE api_key = ? AND key = ? AND response = ''`).run(apiKey, key);
    this.settle(slotOf(apiKey, key));
  }

  /** This process no longer runs the key's request; its row stays as it is (answered, or an orphan). */
  forget(apiKey: string, key: string): void {
    this.settle(slotOf(apiKey, key));
  }

  /** Delete rows older than the TTL; returns how many went. */
  purge(): number {
    this.lastPurge = this.now();
    return this.db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?').run(this.now() - IDEMPOTENCY_TTL_MS).changes;
  }

  private run(slot: string): void {
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.running.set(slot, { settled, settle });
  }

  /** The request of `slot` is over: waiting duplicates claim again (and get its response). */
  private settle(slot: string): void {
    this.running.get(slot)?.settle();
    this.running.delete(slot);
  }

  private purgeNowAndThen(): void {
    if (this.now() - this.lastPurge >= PURGE_EVERY_MS) this.purge();
  }
}

const slotOf = (apiKey: string, key: string) => `${apiKey}\n${key}`;
