// The EHLO reply: the extensions Petrel's server implements, with STARTTLS and AUTH only where
// the listener's role and the connection's TLS state allow them.

import { reply, type Reply } from '../wire/reply.js';
import type { SessionContext, SessionState } from './session-types.js';

export function ehloReply(s: SessionState, ctx: SessionContext): Reply {
  const { config } = ctx;
  const lines = [
    `${config.hostname} greets ${s.helo?.name ?? ''}`,
    'PIPELINING',
    `SIZE ${config.maxMessageSize}`,
    '8BITMIME',
    'SMTPUTF8',
    'ENHANCEDSTATUSCODES',
    'CHUNKING',
    'BINARYMIME',
    'DSN',
  ];
  if (s.tls === null && config.tlsAvailable) lines.push('STARTTLS');
  if (authOffered(s, ctx)) lines.push(`AUTH ${config.mechanisms.join(' ')}`);
  lines.push('HELP');
  return reply(250, null, ...lines);
}

/** AUTH never on the MX role, and on submission only inside TLS (RFC 8314 §3.3, RFC 4954 §4). */
export function authOffered(s: SessionState, ctx: SessionContext): boolean {
  return ctx.config.role !== 'mx' && s.tls !== null && s.user === null && ctx.config.mechanisms.length > 0;
}
