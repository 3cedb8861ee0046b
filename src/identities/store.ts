// The identities table and its secrets: add, read, list, update, pause/resume and remove identities. Relay
// passwords and OAuth tokens are sealed with the data dir's secret key. Bad input throws StoreError.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { seal, unseal } from '../store/seal.js';
import { dayKey } from '../pacing/days.js';
import type { Identity, IdentitySecret, NewIdentity, StoredState } from './types.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

interface Row {
  name: string;
  from_addr: string;
  domain: string;
  via: string;
  preset: string | null;
  relay: string | null;
  secret: string | null;
  source: string | null;
  daily_cap: number | null;
  hourly_cap: number | null;
  min_gap_ms: number;
  hard_caps: string;
  warmup: string | null;
  warmup_start: string | null;
  time_zone: string;
  state: string;
  reason: string | null;
  paused_by: string | null;
  changed_at: number | null;
  created_at: number;
  imap: string | null;
  warmup_network: number;
}

export class IdentityStore {
  private byName: Statement | undefined;

  constructor(private readonly db: Db, private readonly secretKey: Buffer | null = null) {}

  add(identity: NewIdentity, now: number): Identity {
    if (!NAME.test(identity.name)) throw new StoreError('invalid', `identity name ${JSON.stringify(identity.name)}: letters, digits, . _ - only (64 at most)`);
    if (this.get(identity.name)) throw new StoreError('exists', `identity ${identity.name} exists`);
    const from = identity.from.toLowerCase();
    const sealed = identity.secret && Object.keys(identity.secret).length > 0 ? this.seal(identity.name, identity.secret) : null;
    this.db.prepare(
      `INSERT INTO identities (name, from_addr, domain, via, preset, relay, secret, source, daily_cap, hourly_cap,
         min_gap_ms, hard_caps, warmup, warmup_start, time_zone, created_at, imap, warmup_network)
       VALUES (@name, @from, @domain, @via, @preset, @relay, @secret, @source, @dailyCap, @hourlyCap, @minGapMs,
         @hardCaps, @warmup, @warmupStart, @timeZone, @createdAt, @imap, @warmupNetwork)`,
    ).run({
      name: identity.name, from, domain: from.slice(from.lastIndexOf('@') + 1), via: identity.via, preset: identity.preset ?? null,
      relay: identity.relay ? JSON.stringify(identity.relay) : null, secret: sealed, source: identity.source ?? null,
      dailyCap: identity.dailyCap ?? null, hourlyCap: identity.hourlyCap ?? null, minGapMs: identity.minGapMs,
      hardCaps: JSON.stringify(identity.hardCaps), warmup: identity.warmup ? JSON.stringify(identity.warmup) : null,
      warmupStart: identity.warmup ? dayKey(now, identity.timeZone) : null, timeZone: identity.timeZone, createdAt: now,
      imap: identity.imap ? JSON.stringify(identity.imap) : null, warmupNetwork: identity.warmupNetwork ? 1 : 0,
    });
    return this.get(identity.name)!;
  }

  /**
   * Replace an identity's settings (identity set); `secret` replaces the whole sealed secret when given.
   * A warm-up ramp newly given starts today; false when the identity does not exist.
   */
  update(name: string, identity: NewIdentity, now: number, secret?: IdentitySecret): boolean {
    const current = this.get(name);
    if (!current) return false;
    const from = identity.from.toLowerCase();
    const sealed = secret === undefined ? undefined : Object.keys(secret).length > 0 ? this.seal(name, secret) : null;
    const warmupStart = identity.warmup ? current.warmupStart ?? dayKey(now, identity.timeZone) : null;
    this.db.prepare(
      `UPDATE identities SET from_addr = @from, domain = @domain, via = @via, preset = @preset, relay = @relay, source = @source,
         daily_cap = @dailyCap, hourly_cap = @hourlyCap, min_gap_ms = @minGapMs, hard_caps = @hardCaps, warmup = @warmup,
         warmup_start = @warmupStart, time_zone = @timeZone, imap = @imap, warmup_network = @warmupNetwork, changed_at = @now
         ${sealed === undefined ? '' : ', secret = @secret'} WHERE name = @name`,
    ).run({
      name, from, domain: from.slice(from.lastIndexOf('@') + 1), via: identity.via, preset: identity.preset ?? null,
      relay: identity.relay ? JSON.stringify(identity.relay) : null, source: identity.source ?? null,
      dailyCap: identity.dailyCap ?? null, hourlyCap: identity.hourlyCap ?? null, minGapMs: identity.minGapMs,
      hardCaps: JSON.stringify(identity.hardCaps), warmup: identity.warmup ? JSON.stringify(identity.warmup) : null, warmupStart,
      timeZone: identity.timeZone, imap: identity.imap ? JSON.stringify(identity.imap) : null, warmupNetwork: identity.warmupNetwork ? 1 : 0, now,
      ...(sealed === undefined ? {} : { secret: sealed }),
    });
    return true;
  }

  get(name: string): Identity | null {
    // Prepared once per store: pool choices read every member for each message.
    this.byName ??= this.db.prepare('SELECT * FROM identities WHERE name = ?');
    const row = this.byName.get(name) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  list(): Identity[] {
    return (this.db.prepare('SELECT * FROM identities ORDER BY name').all() as Row[]).map(fromRow);
  }

  /** The relay secrets, unsealed; {} when there are none or the key cannot open them. */
  secretOf(name: string): IdentitySecret {
    const sealed = this.db.prepare('SELECT secret FROM identities WHERE name = ?').pluck().get(name) as string | null | undefined;
    if (!sealed || !this.secretKey) return {};
    const text = unseal(this.secretKey, sealed, `identity:${name}`);
    return text ? (JSON.parse(text) as IdentitySecret) : {};
  }

  /** Pause or resume; false when the identity does not exist. */
  setState(name: string, state: StoredState, how: { reason?: string; by: 'operator' | 'auto'; now: number }): boolean {
    const changed = this.db.prepare(
      `UPDATE identities SET state = ?, reason = ?, paused_by = ?, changed_at = ? WHERE name = ?`,
    ).run(state, state === 'paused' ? how.reason ?? 'paused by the operator' : null, state === 'paused' ? how.by : null, how.now, name).changes;
    return changed > 0;
  }

  /** Remove an identity (its pool memberships go with it); false when unknown. */
  remove(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM pool_members WHERE identity = ?').run(name);
      this.db.prepare('DELETE FROM identity_sticky WHERE identity = ?').run(name);
      return this.db.prepare('DELETE FROM identities WHERE name = ?').run(name).changes > 0;
    })();
  }

  private seal(name: string, secret: IdentitySecret): string {
    if (!this.secretKey) throw new StoreError('invalid', 'no secret key to seal the relay secret with');
    return seal(this.secretKey, JSON.stringify(secret), `identity:${name}`);
  }
}

function fromRow(r: Row): Identity {
  const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  const identity: Identity = {
    name: r.name, from: r.from_addr, domain: r.domain, via: r.via as Identity['via'], minGapMs: r.min_gap_ms,
    hardCaps: JSON.parse(r.hard_caps) as Identity['hardCaps'], timeZone: r.time_zone, state: r.state as StoredState, createdAt: r.created_at,
  };
  const extra: Partial<Identity> = {
    preset: opt(r.preset), relay: r.relay ? (JSON.parse(r.relay) as Identity['relay']) : undefined, source: opt(r.source),
    dailyCap: opt(r.daily_cap), hourlyCap: opt(r.hourly_cap), warmup: r.warmup ? (JSON.parse(r.warmup) as Identity['warmup']) : undefined,
    warmupStart: opt(r.warmup_start), reason: opt(r.reason), pausedBy: opt(r.paused_by) as Identity['pausedBy'], changedAt: opt(r.changed_at),
    imap: r.imap ? (JSON.parse(r.imap) as Identity['imap']) : undefined, warmupNetwork: r.warmup_network === 1 ? true : undefined,
    // A sealed value starts with its version and a random IV: every new seal gives a new one.
    secretVersion: r.secret ? r.secret.split('.')[1] : undefined,
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (identity as unknown as Record<string, unknown>)[k] = v;
  return identity;
}
