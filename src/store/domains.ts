// CRUD over the domains table: which domains we receive mail for, send from, and catch all for.
// Throws StoreError for invalid names, duplicates and unknown domains; SQLite errors pass through.
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { normalizeDomain } from './names.js';

export interface DomainFlags {
  /** Mail for it is accepted on the MX role. */
  local: boolean;
  /** Authenticated users may use it in MAIL FROM. */
  sending: boolean;
  /** Every address at it is accepted (implies local). */
  catchAll: boolean;
}

export interface DomainRecord extends DomainFlags {
  name: string;
  createdAt: number;
}

const domainRow = z.object({
  name: z.string(),
  local: z.number(),
  sending: z.number(),
  catch_all: z.number(),
  created_at: z.number(),
});

/** Canonical domain name or a StoreError('invalid'). */
export function requireDomainName(input: string): string {
  const name = normalizeDomain(input);
  if (name === null) throw new StoreError('invalid', `invalid domain name: ${JSON.stringify(input)}`);
  return name;
}

/** Add a domain; a catch-all domain is always local. */
export function addDomain(db: Db, input: string, flags: DomainFlags, now = Date.now()): DomainRecord {
  const name = requireDomainName(input);
  const local = flags.local || flags.catchAll;
  const result = db
    .prepare(
      `INSERT INTO domains (name, local, sending, catch_all, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
    )
    .run(name, Number(local), Number(flags.sending), Number(flags.catchAll), now);
  if (result.changes === 0) throw new StoreError('exists', `domain ${name} already exists`);
  return { name, local, sending: flags.sending, catchAll: flags.catchAll, createdAt: now };
}

export function listDomains(db: Db): DomainRecord[] {
  return db.prepare('SELECT * FROM domains ORDER BY name').all().map(toRecord);
}

export function getDomain(db: Db, input: string): DomainRecord | null {
  const name = normalizeDomain(input);
  const row = name === null ? undefined : db.prepare('SELECT * FROM domains WHERE name = ?').get(name);
  return row === undefined ? null : toRecord(row);
}

export function removeDomain(db: Db, input: string): void {
  const name = requireDomainName(input);
  const result = db.prepare('DELETE FROM domains WHERE name = ?').run(name);
  if (result.changes === 0) throw new StoreError('not-found', `no domain ${name}`);
}

function toRecord(row: unknown): DomainRecord {
  const r = domainRow.parse(row);
  const flags = { local: r.local !== 0, sending: r.sending !== 0, catchAll: r.catch_all !== 0 };
  return { name: r.name, ...flags, createdAt: r.created_at };
}
