// DKIM key pairs of the sending domains: generated here, private halves as PEM files (0600, under
// <dataDir>/keys/dkim/<domain>/, directories 0700) and sealed in dkim_keys.private_key (so cluster
// nodes, which share the table but not the files, can sign), public halves and life-cycle state there too.
// File system and SQLite errors pass through; a domain that has used up a month's selectors throws.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { secretKeyPath } from '../store/paths.js';
import { loadOrCreateSecretKey, readSecretKey, seal, unseal } from '../store/seal.js';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';
export type DkimKeyState = 'pending' | 'active' | 'retired';

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  bits: number | null;
  /** The DNS p= value: base64 SPKI DER (RSA) or the raw 32-byte key (Ed25519). */
  publicKey: string;
  /** PEM private key, relative to the data dir. */
  keyPath: string;
  state: DkimKeyState;
  createdAt: number;
  activatedAt: number | null;
  retireAt: number | null;
}

const RSA_BITS = 2048;
/** Days a replaced key stays published, so mail signed just before a rotation still verifies. */
export const RETIRE_DAYS = 7;
// An Ed25519 SubjectPublicKeyInfo is this fixed prefix followed by the raw 32-byte key.
const ED25519_SPKI_PREFIX = 12;

const keyRow = z.object({
  domain: z.string(),
  selector: z.string(),
  algorithm: z.enum(['rsa-sha256', 'ed25519-sha256']),
  bits: z.number().nullable(),
  public_key: z.string(),
  key_path: z.string(),
  state: z.enum(['pending', 'active', 'retired']),
  created_at: z.number(),
  activated_at: z.number().nullable(),
  retire_at: z.number().nullable(),
});

/**
 * Selectors are `p` + YYYYMM (UTC) + the first letter not yet used by the domain: `p202611a`, then
 * `p202611b` for a second key made the same month. Dated names show a key's age in DNS at a glance.
 * @example selectorFor(new Date('2026-11-28'), []) === 'p202611a'
 */
export function selectorFor(now: Date, taken: readonly string[]): string {
  const stem = `p${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  for (let c = 0; c < 26; c++) {
    const candidate = stem + String.fromCharCode(0x61 + c);
    if (!taken.includes(candidate)) return candidate;
  }
  throw new StoreError('exists', `all 26 selectors ${stem}a..z are taken; try again next month`);
}

/** Where a key's PEM file lives, relative to the data dir. */
export function dkimKeyPath(domain: string, selector: string): string {
  return join('keys', 'dkim', domain, `${selector}.pem`);
}

/** Generate a key pair for `domain`, write the private key and record it in `state`. */
export function createDkimKey(db: Db, dataDir: string, domain: string, algorithm: DkimAlgorithm, state: DkimKeyState, now = Date.now()): DkimKey {
  const selector = selectorFor(new Date(now), listDkimKeys(db, domain).map((k) => k.selector));
  const pair = algorithm === 'rsa-sha256'
    ? generateKeyPairSync('rsa', { modulusLength: RSA_BITS })
    : generateKeyPairSync('ed25519');
  const key: DkimKey = {
    domain, selector, algorithm, bits: algorithm === 'rsa-sha256' ? RSA_BITS : null,
    publicKey: dnsPublicKey(pair.publicKey, algorithm), keyPath: dkimKeyPath(domain, selector),
    state, createdAt: now, activatedAt: state === 'active' ? now : null, retireAt: null,
  };
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writePrivateKey(join(dataDir, key.keyPath), pem);
  const sealed = seal(loadOrCreateSecretKey(secretKeyPath({ dataDir })), pem, sealContext(domain, selector));
  db.prepare(
    `INSERT INTO dkim_keys (domain, selector, algorithm, bits, public_key, key_path, state, created_at, activated_at, retire_at, private_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(domain, selector, algorithm, key.bits, key.publicKey, key.keyPath, state, now, key.activatedAt, null, sealed);
  return key;
}

/** Binds a sealed key to its row, so it cannot be copied to another domain or selector. */
function sealContext(domain: string, selector: string): string {
  return `dkim:${domain}:${selector}`;
}

/**
 * The PEM private key of `key`: its file when this data dir has one (single node, or the node that made
 * it), else the sealed copy in the database. Throws when neither is there or the copy does not unseal
 * (another secret key: cluster nodes must share keys/secret.key).
 */
export function readPrivateKey(db: Db, dataDir: string, key: Pick<DkimKey, 'domain' | 'selector' | 'keyPath'>): string {
  try {
    return fs.readFileSync(join(dataDir, key.keyPath), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const row = db.prepare('SELECT private_key FROM dkim_keys WHERE domain = ? AND selector = ?').get(key.domain, key.selector) as
    { private_key: string | null } | undefined;
  const secret = readSecretKey(secretKeyPath({ dataDir }));
  const pem = row?.private_key && secret ? unseal(secret, row.private_key, sealContext(key.domain, key.selector)) : null;
  if (pem === null) throw new Error(`DKIM key ${key.selector} of ${key.domain}: no file ${key.keyPath} and no sealed copy this node can open`);
  return pem;
}

/**
 * Seal the file of every key that has none in the database yet (keys made before the column existed),
 * so a data directory moved into a cluster brings its keys along; returns how many were sealed.
 */
export function sealMissingPrivateKeys(db: Db, dataDir: string): number {
  const rows = db.prepare('SELECT domain, selector, key_path FROM dkim_keys WHERE private_key IS NULL').all() as
    Array<{ domain: string; selector: string; key_path: string }>;
  const secret = rows.length > 0 ? loadOrCreateSecretKey(secretKeyPath({ dataDir })) : null;
  const update = db.prepare('UPDATE dkim_keys SET private_key = ? WHERE domain = ? AND selector = ?');
  let sealed = 0;
  for (const r of rows) {
    const file = join(dataDir, r.key_path);
    if (!fs.existsSync(file)) continue;
    update.run(seal(secret!, fs.readFileSync(file, 'utf8'), sealContext(r.domain, r.selector)), r.domain, r.selector);
    sealed++;
  }
  return sealed;
}

/** The p= value for a public key. */
export function dnsPublicKey(publicKey: KeyObject, algorithm: DkimAlgorithm): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return (algorithm === 'rsa-sha256' ? der : der.subarray(ED25519_SPKI_PREFIX)).toString('base64');
}

/** Write the PEM with mode 0600 in directories tightened to 0700 (mkdir's mode skips existing ones). */
function writePrivateKey(file: string, pem: string): void {
  const dir = dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const d of [dir, dirname(dir), dirname(dirname(dir))]) fs.chmodSync(d, 0o700);
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, pem);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Keys of one domain (or all), oldest first. */
export function listDkimKeys(db: Db, domain?: string): DkimKey[] {
  const rows = domain === undefined
    ? db.prepare('SELECT * FROM dkim_keys ORDER BY domain, created_at, selector').all()
    : db.prepare('SELECT * FROM dkim_keys WHERE domain = ? ORDER BY created_at, selector').all(domain);
  return rows.map(toKey);
}

/** Prepare once: the active keys of a domain, for the signer's per-message look-up. */
export function activeKeysQuery(db: Db): (domain: string) => DkimKey[] {
  const statement = db.prepare("SELECT * FROM dkim_keys WHERE domain = ? AND state = 'active' ORDER BY created_at, selector");
  return (domain) => statement.all(domain).map(toKey);
}

/** Keys of `domain` in one of `states`. */
export function dkimKeysIn(db: Db, domain: string, states: readonly DkimKeyState[]): DkimKey[] {
  return listDkimKeys(db, domain).filter((k) => states.includes(k.state));
}

/**
 * Make a pending key active; the active key of the same algorithm becomes retired, still published
 * until retire_at (now + RETIRE_DAYS). Throws StoreError('not-found') unless `selector` is pending.
 */
export function activateDkimKey(db: Db, domain: string, selector: string, now = Date.now(), retireDays = RETIRE_DAYS): DkimKey {
  const pending = dkimKeysIn(db, domain, ['pending']).find((k) => k.selector === selector);
  if (pending === undefined) throw new StoreError('not-found', `no pending DKIM key ${selector} for ${domain}`);
  db.transaction(() => {
    db.prepare(`UPDATE dkim_keys SET state = 'retired', retire_at = ? WHERE domain = ? AND algorithm = ? AND state = 'active'`)
      .run(now + retireDays * 86_400_000, domain, pending.algorithm);
    db.prepare(`UPDATE dkim_keys SET state = 'active', activated_at = ? WHERE domain = ? AND selector = ?`).run(now, domain, selector);
  })();
  return { ...pending, state: 'active', activatedAt: now };
}

function toKey(row: unknown): DkimKey {
  const r = keyRow.parse(row);
  return {
    domain: r.domain, selector: r.selector, algorithm: r.algorithm, bits: r.bits, publicKey: r.public_key,
    keyPath: r.key_path, state: r.state, createdAt: r.created_at, activatedAt: r.activated_at, retireAt: r.retire_at,
  };
}

/**
 * Give `domain` an active key of each algorithm it has none of (a first key has nothing to rotate
 * from, so it signs at once); returns the keys created, none when all exist.
 */
export function ensureActiveKeys(db: Db, dataDir: string, domain: string, algorithms: readonly DkimAlgorithm[], now = Date.now()): DkimKey[] {
  const active = new Set(dkimKeysIn(db, domain, ['active']).map((k) => k.algorithm));
  return algorithms.filter((a) => !active.has(a)).map((a) => createDkimKey(db, dataDir, domain, a, 'active', now));
}
