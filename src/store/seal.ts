// Seals small secrets with AES-256-GCM under a random key kept in <dataDir>/keys/secret.key (0600).
// Key loading throws on a damaged key file; unsealing returns null for anything tampered or malformed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** The key if the file exists, else null. Throws if it exists but is not a 32-byte key. */
export function readSecretKey(file: string): Buffer | null {
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (key.length !== KEY_BYTES) throw new Error(`secret key ${file} is damaged (expected ${KEY_BYTES} bytes)`);
  return key;
}

/** Read the key, creating it (directory 0700, file 0600) on first use. */
export function loadOrCreateSecretKey(file: string): Buffer {
  const existing = readSecretKey(file);
  if (existing !== null) return existing;
  const dir = dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is ignored for an existing directory, so tighten it explicitly.
  fs.chmodSync(dir, 0o700);
  installNewKey(file);
  const created = readSecretKey(file);
  if (created === null) throw new Error(`secret key ${file} vanished after creation`);
  return created;
}

/**
 * Write a temporary file, then link it into place: link fails if another process won the race, so
 * nobody ever reads a half-written key. Both file and directory are synced, because sealed secrets
 * committed to the database are useless if the key is lost in a crash.
 */
function installNewKey(file: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, randomBytes(KEY_BYTES));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(temp);
  }
  fsyncDirectory(dirname(file));
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Encrypt `plaintext`, bound to `context` (e.g. the user name) so a sealed value cannot be moved. */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((bytes) => bytes.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

/** Decrypt a sealed value; null when it was sealed for another context, altered, or is malformed. */
export function unseal(key: Buffer, sealed: string, context: string): string | null {
  const [version, iv, tag, body, ...rest] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined || rest.length > 0) {
    return null;
  }
  const tagBytes = Buffer.from(tag, 'base64url');
  // GCM accepts truncated tags; insisting on the full 16 bytes keeps forgery as hard as it should be.
  if (tagBytes.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
