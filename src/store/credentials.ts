// The Authenticator port backed by the users table and the static token table from the config.
// Checks resolve to { ok: false } for unknown users or bad secrets; only database or key-file faults reject.
//
// Trade-off: CRAM-MD5 needs the password itself (HMAC key), so when auth.cramMd5 is on we keep an
// AES-GCM sealed copy beside the scrypt hash. Anyone holding both the database and keys/secret.key
// can recover passwords; with auth.cramMd5: false no copy is ever stored and the mechanism is off.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { AuthConfig } from '../config/schema.js';
import type { AuthOutcome, Authenticator } from '../smtp/server/ports.js';
import type { Db } from './db.js';
import { normalizeUserName } from './names.js';
import { DECOY_HASH, hashPassword, verifyPasswordHash } from './password.js';
import { secretKeyPath } from './paths.js';
import { loadOrCreateSecretKey, readSecretKey, seal, unseal } from './seal.js';
import type { StoredCredentials } from './users.js';

const FAILED: AuthOutcome = { ok: false };
// HMAC key used when there is no real secret, so the work done does not reveal that.
const DECOY_SECRET = 'petrel-decoy-secret';

/** Hash a new password and, when CRAM-MD5 is enabled, seal a copy bound to the user name. */
export async function makeCredentials(
  userName: string,
  password: string,
  opts: { dataDir: string; cramMd5: boolean },
): Promise<StoredCredentials> {
  const passwordHash = await hashPassword(password);
  if (!opts.cramMd5) return { passwordHash, cramSecret: null };
  const key = loadOrCreateSecretKey(secretKeyPath(opts));
  return { passwordHash, cramSecret: seal(key, password, userName) };
}

type CredentialRow = { password_hash: string; cram_secret: string | null };
type TokenEntry = { user: string; digest: Buffer };

export class StoreAuthenticator implements Authenticator {
  readonly cramMd5Enabled: boolean;
  private readonly credentials: Statement<[string], CredentialRow>;
  private readonly tokens: TokenEntry[];
  private readonly keyFile: string;
  private secretKey: Buffer | null = null;

  constructor(db: Db, dataDir: string, auth: AuthConfig) {
    this.cramMd5Enabled = auth.cramMd5 && auth.mechanisms.includes('CRAM-MD5');
    this.credentials = db.prepare<[string], CredentialRow>('SELECT password_hash, cram_secret FROM users WHERE name = ?');
    this.keyFile = secretKeyPath({ dataDir });
    this.tokens = auth.tokens.flatMap((t) => (t.token === undefined ? [] : [{ user: t.user, digest: sha256(t.token) }]));
  }

  async verifyPassword(user: string, password: string): Promise<AuthOutcome> {
    const name = normalizeUserName(user);
    const row = name === null ? undefined : this.credentials.get(name);
    const matches = await verifyPasswordHash(password, row?.password_hash ?? DECOY_HASH);
    return matches && row !== undefined && name !== null ? { ok: true, user: name } : FAILED;
  }

  async verifyCramMd5(user: string, challenge: string, digest: string): Promise<AuthOutcome> {
    const name = normalizeUserName(user);
    const secret = name === null ? null : this.cramSecretOf(name);
    const expected = createHmac('md5', secret ?? DECOY_SECRET).update(challenge, 'utf8').digest();
    const given = /^[0-9a-f]{32}$/i.test(digest) ? Buffer.from(digest, 'hex') : Buffer.alloc(expected.length);
    const matches = timingSafeEqual(expected, given);
    return matches && secret !== null && name !== null ? { ok: true, user: name } : FAILED;
  }

  async verifyToken(user: string, token: string): Promise<AuthOutcome> {
    const name = user.toLowerCase();
    const given = sha256(token);
    // Compare against every entry so the time taken does not depend on where (or whether) it matches.
    let matched: string | null = null;
    for (const entry of this.tokens) {
      const same = timingSafeEqual(entry.digest, given);
      if (same && entry.user === name) matched = entry.user;
    }
    return matched === null ? FAILED : { ok: true, user: matched };
  }

  /** The user's password from its sealed copy, or null when CRAM-MD5 is off or none is stored. */
  private cramSecretOf(name: string): string | null {
    const sealed = this.cramMd5Enabled ? this.credentials.get(name)?.cram_secret : null;
    if (!sealed) return null;
    // Read lazily: the key file appears only once the first user with a sealed copy is added.
    this.secretKey ??= readSecretKey(this.keyFile);
    return this.secretKey === null ? null : unseal(this.secretKey, sealed, name);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
