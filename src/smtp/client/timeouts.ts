// The SMTP client's per-phase timeouts and the diagnostic each phase gives when it times out or the
// peer goes away. Pure data and text; an unknown phase cannot happen (Phase is a closed union).
import type { ClientTimeouts, Phase } from './types.js';

/**
 * RFC 5321 §4.5.3.2 minimums, which are also Postfix's smtp_*_timeout defaults. Where neither
 * names a value: auth 120 s (a SASL round-trip is a command like DATA initiation), quit 60 s (we
 * only wait to be polite; the message is already settled). Greeting 300 s is RFC 5321's "initial
 * 220 message" and Postfix's smtp_helo_timeout, which covers the greeting too.
 */
export const DEFAULT_TIMEOUTS: ClientTimeouts = {
  connect: 30_000,
  greeting: 300_000,
  ehlo: 300_000,
  helo: 300_000,
  starttls: 300_000,
  auth: 120_000,
  mail: 300_000,
  rcpt: 300_000,
  data: 120_000,
  'data-block': 180_000,
  'data-end': 600_000,
  rset: 20_000,
  quit: 60_000,
};

/** What we were doing in each phase, for diagnostics such as "timeout after 300 s waiting for the RCPT reply". */
export const DOING: Record<Phase, string> = {
  connect: 'connecting',
  greeting: 'waiting for the greeting',
  ehlo: 'waiting for the EHLO reply',
  helo: 'waiting for the HELO reply',
  starttls: 'during the STARTTLS handshake',
  auth: 'waiting for the AUTH reply',
  mail: 'waiting for the MAIL reply',
  rcpt: 'waiting for the RCPT reply',
  data: 'waiting for the DATA reply',
  'data-block': 'sending the message body',
  'data-end': 'waiting for the reply to the end of data',
  rset: 'waiting for the RSET reply',
  quit: 'waiting for the QUIT reply',
};

/** The defaults with the caller's overrides; a non-positive or non-finite override is ignored. */
export function resolveTimeouts(overrides: Partial<ClientTimeouts> = {}): ClientTimeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const [phase, ms] of Object.entries(overrides) as [Phase, number | undefined][]) {
    if (ms !== undefined && Number.isFinite(ms) && ms > 0) out[phase] = ms;
  }
  return out;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** e.g. "timeout after 300 s waiting for the RCPT reply". */
export function timeoutText(phase: Phase, ms: number): string {
  return `timeout after ${seconds(ms)} ${DOING[phase]}`;
}

/** e.g. "connection closed by the peer while waiting for the RCPT reply". */
export function closedText(phase: Phase, detail?: string): string {
  return `connection closed by the peer while ${DOING[phase]}${detail ? ` (${detail})` : ''}`;
}
