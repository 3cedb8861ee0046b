// Reads one certificate/key pair from disk into a ready TLS context, and picks the pair that serves
// a client's SNI name. A missing, unparsable or mismatched file throws an Error that names the file.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';

/** The protocol floors Petrel accepts; anything older than TLS 1.2 is never offered. */
export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** Paths of one configured pair, as given in the config. */
export interface KeyPairFiles {
  cert: string;
  key: string;
}

/** A pair that parsed, matched and compiled into a context. */
export interface LoadedKeyPair {
  files: KeyPairFiles;
  certificate: X509Certificate;
  context: tls.SecureContext;
  /** PEM text, kept for tls.Server's own default context (clients that send no SNI). */
  certPem: string;
  keyPem: string;
}

const ACCEPTED_MIN_VERSIONS: readonly string[] = ['TLSv1.2', 'TLSv1.3'];

/** Refuse a floor below TLS 1.2 even if a caller bypassed config validation. */
export function assertMinVersion(minVersion: string): asserts minVersion is TlsMinVersion {
  if (!ACCEPTED_MIN_VERSIONS.includes(minVersion)) {
    throw new Error(`tls.minVersion must be TLSv1.2 or TLSv1.3, got ${JSON.stringify(minVersion)}`);
  }
}

/** Read, parse and cross-check a pair; every failure names the file at fault. */
export async function loadKeyPair(files: KeyPairFiles, minVersion: TlsMinVersion): Promise<LoadedKeyPair> {
  const certPem = await readPem(files.cert, 'certificate');
  const keyPem = await readPem(files.key, 'key');
  const certificate = parseCertificate(certPem, files.cert);
  const key = parseKey(keyPem, files.key);
  if (!certificate.checkPrivateKey(key)) {
    throw new Error(`TLS key file ${files.key} does not match certificate file ${files.cert}`);
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({ cert: certPem, key: keyPem, minVersion });
  } catch (err) {
    throw new Error(`TLS certificate ${files.cert} with key ${files.key} rejected: ${reason(err)}`);
  }
  return { files, certificate, context, certPem, keyPem };
}

/**
 * The pair for a client's SNI name: an exact name match first, then a wildcard match, else the
 * first pair (a client that asks for an unknown name still gets a certificate, as MTAs expect).
 */
export function pickKeyPair<T extends { certificate: X509Certificate }>(
  pairs: readonly [T, ...T[]],
  servername: string | undefined,
): T {
  if (!servername) return pairs[0];
  const firstCovering = (wildcards: boolean): T | undefined =>
    pairs.find((pair) => coversName(pair.certificate, servername, wildcards));
  return firstCovering(false) ?? firstCovering(true) ?? pairs[0];
}

/** Does the certificate's SAN (or CN, when it has no DNS SAN) name `name`? `*.x` counts if `wildcards`. */
export function coversName(certificate: X509Certificate, name: string, wildcards: boolean): boolean {
  const host = name.replace(/\.$/, '');
  try {
    return certificate.checkHost(host, { wildcards, partialWildcards: false }) !== undefined;
  } catch {
    return false; // a malformed client-supplied name simply matches nothing
  }
}

/** Expiry as a Date; Node 20 only offers the OpenSSL text form. */
export function expiresAt(certificate: X509Certificate): Date {
  return new Date(certificate.validTo);
}

async function readPem(file: string, what: 'certificate' | 'key'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`TLS ${what} file ${file} cannot be read: ${reason(err)}`);
  }
}

function parseCertificate(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`TLS certificate file ${file} is not a PEM certificate: ${reason(err)}`);
  }
}

function parseKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`TLS key file ${file} is not an unencrypted PEM private key: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
