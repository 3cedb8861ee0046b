// CRUD over the users table: login names, their stored credentials and allow-from patterns.
// Throws StoreError for invalid names or patterns, duplicates and unknown users; SQLite errors pass through.
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { defaultAllowFrom, normalizePattern, normalizeUserName } from './names.js';

/** What is stored for a password: a scrypt hash and, for CRAM-MD5, an optional sealed copy. */
export interface StoredCredentials {
  passwordHash: string;
  cramSecret: string | null;
}

export interface UserRecord {
  name: string;
  allowFrom: string[];
  /** Whether a sealed CRAM-MD5 secret is stored. */
  cramMd5: boolean;
  createdAt: number;
}

const userRow = z.object({
  name: z.string(),
  allow_from: z.string(),
  has_cram: z.number(),
  created_at: z.number(),
});
const patternList = z.array(z.string());

/** Canonical user name or a StoreError('invalid'). */
export function requireUserName(input: string): string {
  const name = normalizeUserName(input);
  if (name === null) throw new StoreError('invalid', `invalid user name: ${JSON.stringify(input)}`);
  return name;
}

/** Canonical patterns; an empty or absent list means the default for the user name. */
export function resolveAllowFrom(name: string, patterns: readonly string[] | undefined): string[] {
  if (patterns === undefined || patterns.length === 0) return defaultAllowFrom(name);
  return patterns.map((input) => {
    const pattern = normalizePattern(input);
    if (pattern === null) throw new StoreError('invalid', `invalid allow-from pattern: ${JSON.stringify(input)}`);
    return pattern;
  });
}

export interface NewUser {
  name: string;
  credentials: StoredCredentials;
  allowFrom?: readonly string[];
}

export function addUser(db: Db, user: NewUser, now = Date.now()): UserRecord {
  const name = requireUserName(user.name);
  const allowFrom = resolveAllowFrom(name, user.allowFrom);
  const result = db
    .prepare(
      `INSERT INTO users (name, password_hash, cram_secret, allow_from, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
    )
    .run(name, user.credentials.passwordHash, user.credentials.cramSecret, JSON.stringify(allowFrom), now);
  if (result.changes === 0) throw new StoreError('exists', `user ${name} already exists`);
  return { name, allowFrom, cramMd5: user.credentials.cramSecret !== null, createdAt: now };
}

const SELECT_USERS = 'SELECT name, allow_from, cram_secret IS NOT NULL AS has_cram, created_at FROM users';

export function listUsers(db: Db): UserRecord[] {
  return db.prepare(`${SELECT_USERS} ORDER BY name`).all().map(toRecord);
}

export function getUser(db: Db, input: string): UserRecord | null {
  const name = normalizeUserName(input);
  const row = name === null ? undefined : db.prepare(`${SELECT_USERS} WHERE name = ?`).get(name);
  return row === undefined ? null : toRecord(row);
}

/** Replace a user's password (and its sealed copy, or lack of one). */
export function setCredentials(db: Db, input: string, credentials: StoredCredentials): void {
  const name = requireUserName(input);
  const result = db
    .prepare('UPDATE users SET password_hash = ?, cram_secret = ? WHERE name = ?')
    .run(credentials.passwordHash, credentials.cramSecret, name);
  if (result.changes === 0) throw new StoreError('not-found', `no user ${name}`);
}

export function removeUser(db: Db, input: string): void {
  const name = requireUserName(input);
  const result = db.prepare('DELETE FROM users WHERE name = ?').run(name);
  if (result.changes === 0) throw new StoreError('not-found', `no user ${name}`);
}

/** Parse a stored allow_from column; a damaged value allows nothing rather than throwing. */
export function parseAllowFrom(json: string): string[] {
  try {
    const parsed = patternList.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function toRecord(row: unknown): UserRecord {
  const r = userRow.parse(row);
  return { name: r.name, allowFrom: parseAllowFrom(r.allow_from), cramMd5: r.has_cram !== 0, createdAt: r.created_at };
}
