// Bearer-token mechanisms for OAuth 2.0: Google/Microsoft XOAUTH2 and OAUTHBEARER (RFC 7628).
// On a bad token both send an error challenge first; the client's reply to it then gets 535.

import { decodeBase64, decodeError, encodeBase64, malformed, type SaslExchange, type SaslStep } from './types.js';

/** The key=value pairs between ^A separators, as both mechanisms use them. */
function kvPairs(parts: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) out.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  return out;
}

function bearerToken(auth: string | undefined): string | null {
  const m = /^Bearer +(\S+)$/i.exec(auth ?? '');
  return m ? m[1]! : null;
}

abstract class BearerExchange implements SaslExchange {
  abstract readonly failureChallenge: string;
  protected abstract parse(text: string): SaslStep;

  start(initial: string | undefined): SaslStep {
    return initial === undefined ? { kind: 'challenge', data: '' } : this.respond(initial);
  }

  respond(line: string): SaslStep {
    const raw = decodeBase64(line);
    return raw === null ? decodeError() : this.parse(raw.toString('utf8'));
  }
}

/** XOAUTH2: "user=" user ^A "auth=Bearer " token ^A ^A */
export class XOAuth2Exchange extends BearerExchange {
  readonly failureChallenge = encodeBase64(JSON.stringify({ status: '401', schemes: 'bearer', scope: '' }));

  protected parse(text: string): SaslStep {
    const kv = kvPairs(text.split('\x01'));
    const user = kv.get('user');
    const token = bearerToken(kv.get('auth'));
    if (!user || !token) return malformed('XOAUTH2');
    return { kind: 'done', credentials: { kind: 'token', user, token } };
  }
}

/** OAUTHBEARER: gs2-header ("n,a=user,") ^A "auth=Bearer " token ^A ... ^A ^A */
export class OAuthBearerExchange extends BearerExchange {
  readonly failureChallenge = encodeBase64(JSON.stringify({ status: 'invalid_token', schemes: 'bearer', scope: '' }));

  protected parse(text: string): SaslStep {
    const [gs2, ...rest] = text.split('\x01');
    const m = /^[ny],a=([^,]+),$/.exec(gs2 ?? '');
    const token = bearerToken(kvPairs(rest).get('auth'));
    if (!m || !token) return malformed('OAUTHBEARER');
    const user = m[1]!.replace(/=2C/g, ',').replace(/=3D/g, '=');
    return { kind: 'done', credentials: { kind: 'token', user, token } };
  }
}
