// The Directory port backed by SQLite: recipient verdicts for the MX role and sender rights on submission.
// Odd input (no "@", bad domain, unknown user) yields a refusal, never an exception.
import type { Statement } from 'better-sqlite3';
import type { Directory, RecipientVerdict } from '../smtp/server/ports.js';
import { SuppressionStore } from '../suppression/store.js';
import type { Db } from './db.js';
import { normalizeUserName, patternMatches, splitAddress } from './names.js';
import { parseAllowFrom } from './users.js';

/** Role accounts RFC 2142 expects at every mail domain, accepted whether or not they are users. */
const ROLE_ACCOUNTS = new Set(['postmaster', 'abuse']);

type DomainFlagsRow = { catch_all: number };

export interface DirectoryOptions {
  /** The queue id a tagged return path (b+TOKEN@domain, src/bounce/verp.ts) stands for, or null. */
  returnPathMessage?: (address: string) => string | null;
  /** Refuse suppressed recipients at RCPT on submission (suppression.mode: refuse). */
  refuseSuppressed?: boolean;
  /** Addresses taken on the MX whatever their domain (unsub+TOKEN@ with a valid token, src/campaigns). */
  acceptsAddress?: (address: string) => boolean;
}

export class StoreDirectory implements Directory {
  private readonly localDomain: Statement<[string], DomainFlagsRow>;
  private readonly sendingDomain: Statement<[string], { name: string }>;
  private readonly userExists: Statement<[string], { name: string }>;
  private readonly allowFrom: Statement<[string], { allow_from: string }>;
  private readonly identityAddress: Statement<[string], { name: string }>;
  private readonly suppressions: SuppressionStore;

  constructor(db: Db, private readonly opts: DirectoryOptions = {}) {
    // Row types are fixed by schema.ts and these exact column lists, so no runtime parse is needed.
    this.localDomain = db.prepare<[string], DomainFlagsRow>('SELECT catch_all FROM domains WHERE name = ? AND local = 1');
    this.sendingDomain = db.prepare<[string], { name: string }>('SELECT name FROM domains WHERE name = ? AND sending = 1');
    this.userExists = db.prepare<[string], { name: string }>('SELECT name FROM users WHERE name = ?');
    this.allowFrom = db.prepare<[string], { allow_from: string }>('SELECT allow_from FROM users WHERE name = ?');
    this.identityAddress = db.prepare<[string], { name: string }>('SELECT name FROM identities WHERE from_addr = ? LIMIT 1');
    this.suppressions = new SuppressionStore(db);
  }

  recipient(address: string): RecipientVerdict {
    const parts = splitAddress(address);
    if (parts !== null && this.opts.acceptsAddress?.(address)) return 'accept';
    const domain = parts === null ? undefined : this.localDomain.get(parts.domain);
    if (parts === null || domain === undefined) return 'not-local';
    if (ROLE_ACCOUNTS.has(parts.local) || domain.catch_all !== 0) return 'accept';
    if (this.opts.returnPathMessage?.(address)) return 'accept'; // a bounce coming home
    // Replies to a sending identity come home too (campaigns read them: src/campaigns/inbound.ts).
    if (this.identityAddress.get(`${parts.local}@${parts.domain}`) !== undefined) return 'accept';
    const isUser = this.userExists.get(`${parts.local}@${parts.domain}`) !== undefined;
    return isUser ? 'accept' : 'unknown-user';
  }

  /** Do users send from `domain` (a sending domain)? The MTA-STS policy server asks. */
  isSendingDomain(domain: string): boolean {
    return this.sendingDomain.get(domain.toLowerCase()) !== undefined;
  }

  /** Is mail for `domain` stored here (a local domain)? Used by delivery routing. */
  isLocalDomain(domain: string): boolean {
    return this.localDomain.get(domain.toLowerCase()) !== undefined;
  }

  refusesRecipient(sender: string, recipient: string): boolean {
    if (!this.opts.refuseSuppressed || sender === '') return false;
    const senderDomain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
    return this.suppressions.isSuppressed(recipient, senderDomain) !== null;
  }

  maySendAs(user: string, address: string): boolean {
    const name = normalizeUserName(user);
    const parts = splitAddress(address);
    if (name === null || parts === null) return false;
    const row = this.allowFrom.get(name);
    if (row === undefined) return false;
    const allowed = parseAllowFrom(row.allow_from).some((pattern) => patternMatches(pattern, parts));
    return allowed && this.sendingDomain.get(parts.domain) !== undefined;
  }
}
