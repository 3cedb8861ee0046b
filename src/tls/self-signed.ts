// Creates, and on later starts reuses, the self-signed pair served when none is configured, in
// <dataDir>/tls (dir 0700, key 0600). Unusable old files are replaced; generation or write errors throw.
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import { coversName, expiresAt, loadKeyPair, type KeyPairFiles } from './keypair.js';

const VALIDITY_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Replace a certificate this close to expiry, so a fresh start does not serve one about to lapse. */
const RENEW_MARGIN_MS = DAY_MS;

export interface SelfSignedOutcome {
  files: KeyPairFiles;
  /** True when new files were written by this call. */
  created: boolean;
  /** Why they were (re)created, or why the old ones were kept; ready to log. */
  reason: string;
}

/** Where the self-signed pair lives for a data directory. */
export function selfSignedFiles(dataDir: string): KeyPairFiles {
  const dir = join(dataDir, 'tls');
  return { cert: join(dir, 'self-signed.crt'), key: join(dir, 'self-signed.key') };
}

/** Reuse the stored pair if it still fits `hostname` and is not expiring; otherwise write a new one. */
export async function ensureSelfSigned(
  hostname: string,
  dataDir: string,
  now = new Date(),
): Promise<SelfSignedOutcome> {
  const files = selfSignedFiles(dataDir);
  const problem = await reuseProblem(files, hostname, now);
  if (problem === null) {
    return { files, created: false, reason: `reused, valid for ${hostname}` };
  }
  await writeSelfSigned(files, hostname, now);
  return { files, created: true, reason: problem };
}

/** Null when the stored pair can be served again, else what is wrong with it. */
async function reuseProblem(files: KeyPairFiles, hostname: string, now: Date): Promise<string | null> {
  if (!existsSync(files.cert) || !existsSync(files.key)) return 'none existed';
  let certificate;
  try {
    ({ certificate } = await loadKeyPair(files, 'TLSv1.2'));
  } catch (err) {
    return `the old one was unusable (${err instanceof Error ? err.message : String(err)})`;
  }
  if (expiresAt(certificate).getTime() - now.getTime() < RENEW_MARGIN_MS) return 'the old one expired';
  if (!coversName(certificate, hostname, false)) return `the old one was not for ${hostname}`;
  return null;
}

async function writeSelfSigned(files: KeyPairFiles, hostname: string, now: Date): Promise<void> {
  const dir = dirname(files.cert);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700); // mkdir leaves an existing directory's mode alone
  const pems = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256', // the package defaults to SHA-1, which verifiers reject as too weak
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALIDITY_DAYS * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
    ],
  });
  // Key first: a crash between the two renames leaves a mismatch, which the next start replaces.
  await writeReplacing(files.key, pems.private, 0o600);
  await writeReplacing(files.cert, pems.cert, 0o644);
}

/** Write beside the target and rename over it, so readers never see half a file. */
async function writeReplacing(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, text, { mode, flag: 'wx' });
  await rename(temporary, file);
}
