// SASL exchanges for SMTP AUTH (RFC 4954) as pure state machines: base64 lines in, a challenge, the
// credentials to check, or a reply out. Credential checks happen elsewhere (ports.ts Authenticator).

import { reply, type Reply } from '../wire/reply.js';

export type Credentials =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'cram-md5'; user: string; challenge: string; digest: string }
  | { kind: 'token'; user: string; token: string };

export type SaslStep =
  | { kind: 'challenge'; data: string } // base64, sent as "334 data"
  | { kind: 'done'; credentials: Credentials }
  | { kind: 'fail'; reply: Reply };

export interface SaslExchange {
  /** `initial` is the initial response from the AUTH line, if any ("=" means empty). */
  start(initial: string | undefined): SaslStep;
  respond(line: string): SaslStep;
  /** Bearer-token mechanisms send an error challenge before 535 (RFC 7628 §3.2.2). */
  readonly failureChallenge?: string;
}

export const decodeError = (): SaslStep => ({ kind: 'fail', reply: reply(501, '5.5.2', 'Error decoding AUTH response') });
export const malformed = (what: string): SaslStep => ({ kind: 'fail', reply: reply(501, '5.5.2', `Malformed ${what} response`) });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 decoding; null on anything else. "=" is the empty response (RFC 4954 §4). */
export function decodeBase64(s: string): Buffer | null {
  if (s === '=') return Buffer.alloc(0);
  return BASE64.test(s) ? Buffer.from(s, 'base64') : null;
}

export const encodeBase64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
