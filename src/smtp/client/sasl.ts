// The client halves of SASL PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 (RFC 4954 AUTH), and the choice of
// mechanism. Pure encoders; a mechanism asked more than it expects answers "*" (cancel, §4).
import { createHmac } from 'node:crypto';
import type { ClientAuth } from './types.js';

/** The SASL mechanisms the client implements. */
export type MechanismName = NonNullable<ClientAuth['mechanisms']>[number];

/** One exchange: the initial response (base64, or null to wait for a challenge) and the answer to each 334. */
export interface ClientMechanism {
  readonly name: MechanismName;
  readonly initial: string | null;
  /** `challenge` is the base64 text of a 334 reply; the result is the line to send (base64, "" or "*"). */
  respond(challenge: string): string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const CANCEL = '*';

/**
 * The first of `auth.mechanisms` (default: XOAUTH2 when a token supplier is given, then CRAM-MD5,
 * PLAIN, LOGIN) that the server offers and we hold the credential for; null when there is none.
 * @example chooseMechanism(['PLAIN', 'LOGIN'], { user: 'u', password: 'p' }) === 'PLAIN'
 */
export function chooseMechanism(offered: readonly string[], auth: ClientAuth): MechanismName | null {
  const server = new Set(offered.map((m) => m.toUpperCase()));
  const wanted = auth.mechanisms ?? [...(auth.token ? (['XOAUTH2'] as const) : []), 'CRAM-MD5', 'PLAIN', 'LOGIN'];
  const usable = (m: MechanismName) => (m === 'XOAUTH2' ? auth.token !== undefined : auth.password !== undefined);
  return wanted.find((m) => server.has(m) && usable(m)) ?? null;
}

/** The exchange for `name`; XOAUTH2 calls `auth.token()` once here. */
export async function createMechanism(name: MechanismName, auth: ClientAuth): Promise<ClientMechanism> {
  switch (name) {
    case 'PLAIN':
      return plain(auth.user, auth.password ?? '');
    case 'LOGIN':
      return login(auth.user, auth.password ?? '');
    case 'CRAM-MD5':
      return cramMd5(auth.user, auth.password ?? '');
    case 'XOAUTH2':
      return xoauth2(auth.user, await auth.token!());
  }
}

/** A mechanism that answers its steps in order, then cancels. */
function steps(name: MechanismName, initial: string | null, answers: Array<(challenge: string) => string>): ClientMechanism {
  let i = 0;
  return { name, initial, respond: (challenge) => answers[i++]?.(challenge) ?? CANCEL };
}

/** RFC 4616: "\0user\0password"; a server that ignored the initial response gets it again. */
export function plain(user: string, password: string): ClientMechanism {
  const response = b64(`\0${user}\0${password}`);
  return steps('PLAIN', response, [() => response]);
}

/** LOGIN (draft-murchison-sasl-login): user name, then password, whatever the prompts say. */
export function login(user: string, password: string): ClientMechanism {
  return steps('LOGIN', null, [() => b64(user), () => b64(password)]);
}

/** RFC 2195: "user " + hex HMAC-MD5 of the decoded challenge, keyed by the password. */
export function cramMd5(user: string, password: string): ClientMechanism {
  return steps('CRAM-MD5', null, [
    (challenge) => {
      const digest = createHmac('md5', password).update(Buffer.from(challenge, 'base64')).digest('hex');
      return b64(`${user} ${digest}`);
    },
  ]);
}

/**
 * Google/Microsoft XOAUTH2. On a bad token the server answers 334 with a base64 JSON error; the
 * client must send an empty line, and then gets the final 535.
 */
export function xoauth2(user: string, token: string): ClientMechanism {
  return steps('XOAUTH2', b64(`user=${user}\x01auth=Bearer ${token}\x01\x01`), [() => '']);
}
