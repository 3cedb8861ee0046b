// Node TLS options for the client from ClientTls: verification, SNI, extra CAs and the name check
// (servername or the matchNames predicate). Pure; the handshake itself is in connection.ts.
import { isIP } from 'node:net';
import { checkServerIdentity, rootCertificates, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { ClientTls, SessionInfo } from './types.js';

/**
 * Options for `tls.connect` over an open socket to `host`. Opportunistic TLS never rejects a
 * certificate (a self-signed one beats plaintext); `authorized` in the session info still says.
 */
export function tlsOptions(t: ClientTls, host: string, hostname?: string): ConnectionOptions {
  const name = t.servername ?? hostname;
  const sni = name !== undefined && isIP(name) === 0 ? name : undefined;
  return {
    host,
    ...(sni ? { servername: sni } : {}),
    rejectUnauthorized: t.verify && t.mode !== 'opportunistic',
    ...(t.ca && t.ca.length > 0 ? { ca: [...rootCertificates, ...t.ca] } : {}),
    checkServerIdentity: (peerHost: string, cert: PeerCertificate) => {
      if (!t.matchNames) return checkServerIdentity(name ?? peerHost, cert);
      const names = certNames(cert);
      return t.matchNames(names) ? undefined : new Error(`certificate names ${names.join(', ') || '(none)'} do not match`);
    },
  };
}

/** The DNS names a certificate is for: its subjectAltName DNS entries, else its common name. */
export function certNames(cert: PeerCertificate): string[] {
  const alt = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4));
  if (alt.length > 0) return alt;
  const cn = cert.subject?.CN;
  return typeof cn === 'string' ? [cn] : Array.isArray(cn) ? cn : [];
}

/** What the session info reports about an established TLS connection. */
export function describeTls(s: TLSSocket): NonNullable<SessionInfo['tls']> {
  const info: NonNullable<SessionInfo['tls']> = {
    protocol: s.getProtocol() ?? 'unknown',
    cipher: s.getCipher()?.name ?? 'unknown',
    authorized: s.authorized,
  };
  if (!s.authorized && s.authorizationError) info.authorizationError = String(s.authorizationError);
  return info;
}

/**
 * The transcript line for an established TLS session.
 * @example "TLS established TLSv1.3 TLS_AES_256_GCM_SHA384; certificate for mail.example verified"
 */
export function tlsSummary(s: TLSSocket): string {
  const t = describeTls(s);
  const names = certNames(s.getPeerCertificate()).join(', ') || '(no names)';
  const check = t.authorized ? 'verified' : `not verified: ${t.authorizationError ?? 'unknown reason'}`;
  return `TLS established ${t.protocol} ${t.cipher}; certificate for ${names} ${check}`;
}
