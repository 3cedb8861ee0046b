// API keys: `pk_<id>_<secret>`, 256 random bits of secret. Only a SHA-256 of the secret is stored (a
// slow hash buys nothing against a 256-bit secret and would cost every request); the id finds the row,
// the comparison is constant-time. Revoked keys stay listed. Scopes nest: admin ⊃ send, read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';

export const API_SCOPES = ['send', 'read', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: ApiScope;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const KEY = /^pk_([0-9a-z]{12})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Whether a key of scope `has` may do what `needs` allows. */
export function scopeAllows(has: ApiScope, needs: ApiScope): boolean {
  return has === 'admin' || has === needs;
}

export class ApiKeys {
  private readonly byId;
  private readonly touch;

  constructor(private readonly db: Db) {
    this.byId = db.prepare('SELECT id, name, scope, secret_hash AS secretHash, revoked_at AS revokedAt FROM api_keys WHERE id = ?');
    this.touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  }

  /** Create a key; the returned `key` is shown once and never stored. */
  create(name: string, scope: ApiScope, now = Date.now()): { id: string; key: string } {
    if (name.trim() === '' || name.length > 100) throw new StoreError('invalid', 'an API key needs a name of 1 to 100 characters');
    const id = Array.from(randomBytes(12), (b) => ID_ALPHABET[b % 36]).join('');
    const secret = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO api_keys (id, name, scope, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, name.trim(), scope, hash(secret), now);
    return { id, key: `pk_${id}_${secret}` };
  }

  /** The key's id and scope when `key` is a live key, else null. Records the use (at most once a minute). */
  verify(key: string, now = Date.now()): { id: string; scope: ApiScope } | null {
    const m = KEY.exec(key);
    if (!m) return null;
    const row = this.byId.get(m[1]!) as { id: string; scope: ApiScope; secretHash: string; revokedAt: number | null } | undefined;
    if (!row || row.revokedAt !== null) return null;
    const expected = Buffer.from(row.secretHash, 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hash(m[2]!), 'hex'))) return null;
    this.recordUse(row.id, now);
    return { id: row.id, scope: row.scope };
  }

  list(): ApiKeyInfo[] {
    return this.db
      .prepare(`SELECT id, name, scope, created_at AS createdAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt
                FROM api_keys ORDER BY created_at, id`)
      .all() as ApiKeyInfo[];
  }

  /** Revoke by id (or by the full key); false when there is no such live key. */
  revoke(idOrKey: string, now = Date.now()): boolean {
    const id = KEY.exec(idOrKey)?.[1] ?? idOrKey;
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  private readonly lastTouch = new Map<string, number>();
  private recordUse(id: string, now: number): void {
    if (now - (this.lastTouch.get(id) ?? 0) < 60_000) return; // a write per request would cost the send path
    this.lastTouch.set(id, now);
    this.touch.run(now, id);
  }
}
