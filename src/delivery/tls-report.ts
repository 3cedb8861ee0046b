// TLS-RPT (RFC 8460) counters: one row per UTC day, policy domain, policy type, result, MX and IP in
// tls_sessions, counted up per delivery session. Database errors throw from better-sqlite3 as they are.
import type { Db } from '../store/db.js';

/** The policy a session was checked against (RFC 8460 §4.3); DANE is not implemented. */
export type TlsPolicyType = 'sts' | 'no-policy-found';

/** "success" or an RFC 8460 §4.3.2 result type. */
export type TlsResult =
  | 'success'
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure'
  | 'sts-policy-fetch-error'
  | 'sts-policy-invalid'
  | 'sts-webpki-invalid';

export interface TlsSession {
  /** When the session happened, ms since epoch; defaults to now. Only its UTC day is kept. */
  at?: number;
  policyDomain: string;
  policyType: TlsPolicyType;
  result: TlsResult;
  /** The MX host name, and the IP we connected to, when known. */
  mx?: string;
  ip?: string;
}

export interface TlsSessionCount {
  policyDomain: string;
  policyType: TlsPolicyType;
  result: TlsResult;
  mx: string;
  ip: string;
  count: number;
}

/**
 * Count one session.
 * @example recordTlsSession(db, { policyDomain: 'example.com', policyType: 'sts', result: 'success' })
 */
export function recordTlsSession(db: Db, session: TlsSession): void {
  db.prepare(
    `INSERT INTO tls_sessions (day, policy_domain, policy_type, result, mx, ip, count)
     VALUES (?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (day, policy_domain, policy_type, result, mx, ip) DO UPDATE SET count = count + 1`,
  ).run(
    utcDay(session.at ?? Date.now()),
    session.policyDomain.toLowerCase(),
    session.policyType,
    session.result,
    (session.mx ?? '').toLowerCase().replace(/\.$/, ''),
    session.ip ?? '',
  );
}

/** Every counter for one UTC day ("YYYY-MM-DD"), ordered by domain, for building that day's reports. */
export function tlsSessionCounts(db: Db, day: string): TlsSessionCount[] {
  return db
    .prepare(
      `SELECT policy_domain AS policyDomain, policy_type AS policyType, result, mx, ip, count
       FROM tls_sessions WHERE day = ? ORDER BY policy_domain, policy_type, result, mx, ip`,
    )
    .all(day) as TlsSessionCount[];
}

/** The UTC date of a timestamp as TLS-RPT names days, e.g. "2024-05-01". */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

// Node (OpenSSL) verification codes by the RFC 8460 result they mean.
const CERT_RESULTS = new Map<string, TlsResult>(Object.entries({
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate-host-mismatch',
  HOSTNAME_MISMATCH: 'certificate-host-mismatch',
  CERT_HAS_EXPIRED: 'certificate-expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate-not-trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate-not-trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate-not-trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate-not-trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate-not-trusted',
  CERT_UNTRUSTED: 'certificate-not-trusted',
  CERT_REJECTED: 'certificate-not-trusted',
  INVALID_CA: 'certificate-not-trusted',
  CERT_SIGNATURE_FAILURE: 'certificate-not-trusted',
  CERT_CHAIN_TOO_LONG: 'certificate-not-trusted',
  PATH_LENGTH_EXCEEDED: 'certificate-not-trusted',
  INVALID_PURPOSE: 'certificate-not-trusted',
  CERT_NOT_YET_VALID: 'validation-failure',
  CERT_REVOKED: 'validation-failure',
} satisfies Record<string, TlsResult>));

/**
 * The RFC 8460 result for a failed TLS session, from a Node error code (or the client's
 * authorizationError); anything unrecognised is the generic "validation-failure".
 * @example tlsFailureResult({ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }) // 'certificate-expired'
 */
export function tlsFailureResult(error: { code?: string; message: string }): TlsResult {
  const byCode = error.code === undefined ? undefined : CERT_RESULTS.get(error.code);
  if (byCode !== undefined) return byCode;
  if (/\bSTARTTLS\b.*\bnot (offered|supported|advertised)\b/i.test(error.message)) return 'starttls-not-supported';
  return 'validation-failure';
}

/** True when the code is a certificate verification failure (a WebPKI problem, not the network). */
export function isCertificateError(code: string | undefined): boolean {
  return code !== undefined && CERT_RESULTS.has(code);
}
