// Password hashing with scrypt in a self-describing string: `$scrypt$N=16384,r=8,p=1$<salt>$<hash>`.
// Hashing rejects only on crypto failure; verification never throws and treats a malformed hash as a mismatch.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

// OWASP's minimum for scrypt; about 50 ms and 16 MiB per check.
const DEFAULT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ENCODED = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; the default 32 MiB cap would be too tight for larger N.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$N=${params.N},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** Hash a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return encode(DEFAULT_PARAMS, salt, await derive(password, salt, KEY_BYTES, DEFAULT_PARAMS));
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** Parse an encoded hash, refusing parameters that would make one check absurdly expensive. */
function parseHash(encoded: string): ParsedHash | null {
  const match = ENCODED.exec(encoded);
  if (match === null) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const sane = N >= 1024 && N <= 1 << 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
  const salt = Buffer.from(match[4]!, 'base64');
  const key = Buffer.from(match[5]!, 'base64');
  if (!sane || salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { params: { N, r, p }, salt, key };
}

/** Constant-time check of a password against an encoded hash. */
export async function verifyPasswordHash(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (parsed === null) return false;
  try {
    const candidate = await derive(password, parsed.salt, parsed.key.length, parsed.params);
    return timingSafeEqual(candidate, parsed.key);
  } catch {
    return false;
  }
}

/**
 * A well-formed hash of no known password, checked when the user does not exist so that an
 * unknown user costs the same scrypt work as a wrong password.
 */
export const DECOY_HASH = encode(DEFAULT_PARAMS, randomBytes(SALT_BYTES), randomBytes(KEY_BYTES));
