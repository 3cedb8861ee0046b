// PLAIN (RFC 4616) and LOGIN: user name and password. Authorization identities other than the
// authentication identity are refused: Petrel has no proxy authorization.

import { decodeBase64, decodeError, encodeBase64, malformed, type SaslExchange, type SaslStep } from './types.js';

export class PlainExchange implements SaslExchange {
  start(initial: string | undefined): SaslStep {
    return initial === undefined ? { kind: 'challenge', data: '' } : this.respond(initial);
  }

  respond(line: string): SaslStep {
    const raw = decodeBase64(line);
    if (raw === null) return decodeError();
    const parts = raw.toString('utf8').split('\0');
    if (parts.length !== 3) return malformed('PLAIN');
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || (authzid !== '' && authzid !== user)) return malformed('PLAIN');
    return { kind: 'done', credentials: { kind: 'password', user, password } };
  }
}

export class LoginExchange implements SaslExchange {
  private user: string | null = null;

  start(initial: string | undefined): SaslStep {
    return initial === undefined ? { kind: 'challenge', data: encodeBase64('Username:') } : this.respond(initial);
  }

  respond(line: string): SaslStep {
    const raw = decodeBase64(line);
    if (raw === null) return decodeError();
    const text = raw.toString('utf8');
    if (this.user === null) {
      if (text === '') return malformed('LOGIN');
      this.user = text;
      return { kind: 'challenge', data: encodeBase64('Password:') };
    }
    return { kind: 'done', credentials: { kind: 'password', user: this.user, password: text } };
  }
}
