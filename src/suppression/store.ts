// The suppression list: addresses we no longer send to, globally or for one sending domain.
// Throws StoreError('invalid') for bad addresses, scopes, reasons and times; SQLite errors pass through.
import type { BounceClass } from '../bounce/classes.js';
import type { NewEvent } from '../events/types.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { normalizeAddress, normalizeDomain } from '../store/names.js';

export const SUPPRESSION_REASONS = ['hard-bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

const MAX_DETAIL = 1000;

export interface SuppressionEntry {
  /** Canonical (lower-cased) address. */
  address: string;
  /** '' = every sending domain, else one sending domain. */
  scope: string;
  reason: SuppressionReason;
  detail: string | null;
  /** Queue id of the message that caused it. */
  sourceMessage: string | null;
  createdAt: number;
  /** null: permanent. */
  expiresAt: number | null;
}

export interface NewSuppression {
  address: string;
  scope?: string;
  reason: SuppressionReason;
  detail?: string | null;
  sourceMessage?: string | null;
  expiresAt?: number | null;
  /** When it was added (ms); default now. */
  at?: number;
}

/** What add() did: a new entry, a replaced or extended one, or the existing one kept (it was stronger). */
export type AddOutcome = 'added' | 'updated' | 'kept';

export interface ListQuery {
  scope?: string;
  reason?: SuppressionReason;
  /** Substring of the address or the detail. */
  search?: string;
  limit: number;
  /** A cursor: only addresses sorting after this one. */
  afterAddress?: string;
  /** With afterAddress: also that address's entries in scopes sorting after this one (exact paging). */
  afterScope?: string;
}

interface Row {
  address: string;
  scope: string;
  reason: string;
  detail: string | null;
  source_message: string | null;
  created_at: number;
  expires_at: number | null;
}

/**
 * The suppression a bounce of this class causes, or null: only hard bounces and complaints suppress,
 * and permanently. Soft, block, policy, rate and expired never do: a reputation block never poisons
 * a good address. @example entryForBounce('hard', 'userunknown') // { reason: 'hard-bounce', ... }
 */
export function entryForBounce(cls: BounceClass, reason: string): { reason: SuppressionReason; detail: string; expiresAt: null } | null {
  if (cls === 'hard') return { reason: 'hard-bounce', detail: reason, expiresAt: null };
  if (cls === 'complaint') return { reason: 'complaint', detail: reason, expiresAt: null };
  return null;
}

/** Canonical address or StoreError('invalid'). */
export function requireSuppressionAddress(input: string): string {
  const address = normalizeAddress(input.trim());
  if (address === null) throw new StoreError('invalid', `invalid address: ${JSON.stringify(input)}`);
  return address;
}

/** '' (global) or a canonical domain; StoreError('invalid') otherwise. */
export function requireScope(input: string | undefined): string {
  const trimmed = (input ?? '').trim();
  if (trimmed === '') return '';
  const domain = normalizeDomain(trimmed);
  if (domain === null) throw new StoreError('invalid', `invalid scope (not a domain): ${JSON.stringify(input)}`);
  return domain;
}

export function isSuppressionReason(text: string): text is SuppressionReason {
  return (SUPPRESSION_REASONS as readonly string[]).includes(text);
}

/** Validate and canonicalise a new entry. */
function canonical(e: NewSuppression, now: number): SuppressionEntry {
  if (!isSuppressionReason(e.reason)) throw new StoreError('invalid', `invalid suppression reason: ${JSON.stringify(e.reason)}`);
  const expiresAt = e.expiresAt ?? null;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) throw new StoreError('invalid', 'invalid expiry time');
  const detail = e.detail?.trim() ? e.detail.trim().slice(0, MAX_DETAIL) : null;
  return {
    address: requireSuppressionAddress(e.address),
    scope: requireScope(e.scope),
    reason: e.reason,
    detail,
    sourceMessage: e.sourceMessage || null,
    createdAt: e.at ?? now,
    expiresAt,
  };
}

/**
 * The upsert rule: a live permanent entry is never weakened by one with an expiry; a permanent entry
 * replaces anything; two expiring entries keep the later expiry. An expired entry counts as absent.
 * Returns the entry to store, or null to keep `old`.
 */
export function mergeEntries(old: SuppressionEntry | null, next: SuppressionEntry): SuppressionEntry | null {
  if (old === null || (old.expiresAt !== null && old.expiresAt <= next.createdAt)) return next;
  if (next.expiresAt === null) return next;
  if (old.expiresAt === null) return null;
  return { ...next, expiresAt: Math.max(old.expiresAt, next.expiresAt) };
}

export class SuppressionStore {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly matchStmt;
  private readonly liveStmt;
  private readonly addTx;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM suppressions WHERE address = ? AND scope = ?');
    this.upsertStmt = db.prepare(
      `INSERT INTO suppressions (address, scope, reason, detail, source_message, created_at, expires_at)
       VALUES (@address, @scope, @reason, @detail, @sourceMessage, @createdAt, @expiresAt)
       ON CONFLICT (address, scope) DO UPDATE SET reason = excluded.reason, detail = excluded.detail,
         source_message = excluded.source_message, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    );
    // A permanent entry first, then the global one.
    this.matchStmt = db.prepare(
      `SELECT * FROM suppressions WHERE address = ? AND scope IN ('', ?) AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY expires_at IS NOT NULL, scope LIMIT 1`,
    );
    this.liveStmt = db.prepare('SELECT * FROM suppressions WHERE address = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY scope');
    this.addTx = db.transaction((entries: readonly NewSuppression[], now: number) => entries.map((e) => this.addOne(e, now)));
  }

  /** Add or strengthen one entry (see mergeEntries); the entry as stored afterwards. */
  add(entry: NewSuppression, now = Date.now()): { entry: SuppressionEntry; outcome: AddOutcome } {
    return this.addTx([entry], now)[0]!;
  }

  /** add() for many entries in one transaction; any invalid entry rolls back all of them. */
  addMany(entries: readonly NewSuppression[], now = Date.now()): { entry: SuppressionEntry; outcome: AddOutcome }[] {
    return this.addTx(entries, now);
  }

  /** Delete the entry for an address in one scope ('' = the global one); false when there was none. */
  remove(address: string, scope?: string): boolean {
    const result = this.db
      .prepare('DELETE FROM suppressions WHERE address = ? AND scope = ?')
      .run(requireSuppressionAddress(address), requireScope(scope));
    return result.changes > 0;
  }

  /** The live entry that stops mail from `sendingDomain` to `address`, or null. */
  isSuppressed(address: string, sendingDomain: string, now = Date.now()): SuppressionEntry | null {
    const canonicalAddress = normalizeAddress(address.trim());
    if (canonicalAddress === null) return null;
    const scope = normalizeDomain(sendingDomain.trim()) ?? '';
    const row = this.matchStmt.get(canonicalAddress, scope, now) as Row | undefined;
    return row === undefined ? null : toEntry(row);
  }

  /** Every live entry of an address, in any scope (the global one first): for contact imports. */
  liveEntries(address: string, now = Date.now()): SuppressionEntry[] {
    const canonicalAddress = normalizeAddress(address.trim());
    if (canonicalAddress === null) return [];
    const rows = this.liveStmt.all(canonicalAddress, now) as Row[];
    return rows.map(toEntry);
  }

  /** Entries by address then scope, expired ones included. */
  list(q: ListQuery): SuppressionEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.scope !== undefined) (where.push('scope = ?'), args.push(requireScope(q.scope)));
    if (q.reason !== undefined) (where.push('reason = ?'), args.push(q.reason));
    if (q.search) {
      where.push(`(address LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')`);
      const pattern = `%${q.search.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
      args.push(pattern, pattern);
    }
    if (q.afterAddress !== undefined && q.afterScope !== undefined) (where.push('(address, scope) > (?, ?)'), args.push(q.afterAddress.toLowerCase(), q.afterScope));
    else if (q.afterAddress !== undefined) (where.push('address > ?'), args.push(q.afterAddress.toLowerCase()));
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM suppressions ${filter} ORDER BY address, scope LIMIT ?`).all(...args, q.limit);
    return (rows as Row[]).map(toEntry);
  }

  /** Every entry (of one scope), streamed in address order: for export. */
  *iterate(scope?: string): Generator<SuppressionEntry> {
    const stmt = scope === undefined
      ? this.db.prepare('SELECT * FROM suppressions ORDER BY address, scope')
      : this.db.prepare('SELECT * FROM suppressions WHERE scope = ? ORDER BY address, scope').bind(requireScope(scope));
    for (const row of stmt.iterate() as Iterable<Row>) yield toEntry(row);
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM suppressions').pluck().get() as number;
  }

  /** Delete entries expired by `now`; how many. */
  purgeExpired(now = Date.now()): number {
    return this.db.prepare('DELETE FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes;
  }

  private addOne(e: NewSuppression, now: number): { entry: SuppressionEntry; outcome: AddOutcome } {
    const next = canonical(e, now);
    const row = this.getStmt.get(next.address, next.scope) as Row | undefined;
    const old = row === undefined ? null : toEntry(row);
    const merged = mergeEntries(old, next);
    if (merged === null) return { entry: old!, outcome: 'kept' };
    this.upsertStmt.run(merged);
    return { entry: merged, outcome: old === null ? 'added' : 'updated' };
  }
}

function toEntry(r: Row): SuppressionEntry {
  return {
    address: r.address,
    scope: r.scope,
    reason: isSuppressionReason(r.reason) ? r.reason : 'manual',
    detail: r.detail,
    sourceMessage: r.source_message,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** The `unsubscribed` event an unsubscribe entry added by hand (`source`: cli, api) is recorded with. */
export function unsubscribedEvent(entry: SuppressionEntry, now: number, source: string): NewEvent {
  return {
    at: now,
    type: 'unsubscribed',
    recipient: entry.address,
    sendingDomain: entry.scope === '' ? null : entry.scope,
    reason: 'unsubscribe',
    data: { source, ...(entry.detail === null ? {} : { note: entry.detail }) },
  };
}

/**
 * add() for automatic entries (bounces, complaints): an address the store cannot take (odd syntax a
 * remote server accepted) is skipped rather than failing the caller's transaction.
 */
export function addSuppression(store: SuppressionStore, entry: NewSuppression): void {
  try {
    store.add(entry, entry.at);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
  }
}
