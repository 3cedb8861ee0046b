// Pools: named, weighted sets of identities that API sends rotate over, and the sticky choices that
// keep a thread or contact on the identity that sent first. Unknown names throw StoreError.
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export interface PoolMember {
  identity: string;
  weight: number;
}

export interface Pool {
  name: string;
  members: PoolMember[];
  createdAt: number;
}

export class PoolStore {
  constructor(private readonly db: Db) {}

  /** Create a pool, or replace the members of an existing one. */
  put(name: string, members: readonly PoolMember[], now: number): Pool {
    if (!NAME.test(name)) throw new StoreError('invalid', `pool name ${JSON.stringify(name)}: letters, digits, . _ - only`);
    if (members.length === 0) throw new StoreError('invalid', 'a pool needs at least one --identity');
    const known = this.db.prepare('SELECT 1 FROM identities WHERE name = ?').pluck();
    for (const m of members) {
      if (!known.get(m.identity)) throw new StoreError('not-found', `no identity ${m.identity}`);
      if (!Number.isInteger(m.weight) || m.weight < 1 || m.weight > 1000) throw new StoreError('invalid', `weight of ${m.identity} must be a whole number from 1 to 1000`);
    }
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO pools (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, now);
      this.db.prepare('DELETE FROM pool_members WHERE pool = ?').run(name);
      const add = this.db.prepare('INSERT INTO pool_members (pool, identity, weight) VALUES (?, ?, ?)');
      for (const m of members) add.run(name, m.identity, m.weight);
    })();
    return this.get(name)!;
  }

  get(name: string): Pool | null {
    const row = this.db.prepare('SELECT name, created_at AS createdAt FROM pools WHERE name = ?').get(name) as { name: string; createdAt: number } | undefined;
    if (!row) return null;
    const members = this.db.prepare('SELECT identity, weight FROM pool_members WHERE pool = ? ORDER BY identity').all(name) as PoolMember[];
    return { ...row, members };
  }

  list(): Pool[] {
    const names = this.db.prepare('SELECT name FROM pools ORDER BY name').pluck().all() as string[];
    return names.map((n) => this.get(n)!);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM pools WHERE name = ?').run(name).changes > 0;
  }
}

/** Sticky choices: thread:<key>, contact:<key> and msgid:<Message-ID> → the identity that sent first. */
export class StickyStore {
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    this.read = db.prepare('SELECT identity FROM identity_sticky WHERE key = ?').pluck();
    this.write = db.prepare('INSERT INTO identity_sticky (key, identity, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING');
  }

  /** The identity of the first of `keys` that has one. */
  find(keys: readonly string[]): string | null {
    for (const key of keys) {
      const found = this.read.get(key) as string | undefined;
      if (found) return found;
    }
    return null;
  }

  /** Remember `identity` for every key that has none yet (the first choice wins). */
  remember(keys: readonly string[], identity: string, now: number): void {
    for (const key of keys) this.write.run(key, identity, now);
  }
}
