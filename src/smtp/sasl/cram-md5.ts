// CRAM-MD5 (RFC 2195): the server sends a unique challenge, the client answers "user hex-hmac".
// It needs a password-equivalent secret on the server: see docs/auth.md for that trade-off.

import { decodeBase64, decodeError, encodeBase64, malformed, type SaslExchange, type SaslStep } from './types.js';
import { reply } from '../wire/reply.js';

export class CramMd5Exchange implements SaslExchange {
  private readonly challenge: string;

  /** `nonce` must be unpredictable; the challenge has the RFC 2195 msg-id form. */
  constructor(nonce: string, now: number, hostname: string) {
    this.challenge = `<${nonce}.${now}@${hostname}>`;
  }

  start(initial: string | undefined): SaslStep {
    if (initial !== undefined) return { kind: 'fail', reply: reply(501, '5.5.2', 'CRAM-MD5 takes no initial response') };
    return { kind: 'challenge', data: encodeBase64(this.challenge) };
  }

  respond(line: string): SaslStep {
    const raw = decodeBase64(line);
    if (raw === null) return decodeError();
    const m = /^(\S+) ([0-9a-fA-F]{32})$/.exec(raw.toString('utf8'));
    if (!m) return malformed('CRAM-MD5');
    return { kind: 'done', credentials: { kind: 'cram-md5', user: m[1]!, challenge: this.challenge, digest: m[2]!.toLowerCase() } };
  }
}
