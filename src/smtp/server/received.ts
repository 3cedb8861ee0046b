// The trace header every accepted message gets (RFC 5321 §4.4) with the protocol names of RFC 3848
// (ESMTPS/ESMTPSA) and RFC 6531 (UTF8SMTP...), and the RFC 5322 date format used in it.

import type { Envelope } from './ports.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 §3.3 date-time in UTC, e.g. "Sat, 28 Nov 2026 17:21:41 +0000". */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} +0000`;
}

/** "with" protocol: SMTP for HELO, ESMTP for EHLO, UTF8SMTP under SMTPUTF8; S for TLS, A for AUTH. */
export function withProtocol(env: Envelope, extended: boolean): string {
  const base = env.smtputf8 ? 'UTF8SMTP' : extended ? 'ESMTP' : 'SMTP';
  if (base === 'SMTP') return 'SMTP';
  return `${base}${env.tls ? 'S' : ''}${env.authUser ? 'A' : ''}`;
}

/** A folded Received header ending in CRLF. The recipient is named only when there is exactly one. */
export function receivedHeader(env: Envelope, id: string, hostname: string, extended: boolean): string {
  const helo = env.client.helo.replace(/[()\\]/g, '');
  const parts = [
    `Received: from ${helo} ([${env.client.address}])`,
    `\tby ${hostname} (Petrel) with ${withProtocol(env, extended)} id ${id}`,
  ];
  if (env.tls) parts.push(`\t(version=${env.tls.protocol} cipher=${env.tls.cipher})`);
  if (env.recipients.length === 1) parts.push(`\tfor <${env.recipients[0]!.address}>`);
  parts[parts.length - 1] += ';';
  parts.push(`\t${rfc5322Date(env.receivedAt)}`);
  return parts.join('\r\n') + '\r\n';
}
