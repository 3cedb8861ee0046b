// Client halves of the SASL mechanisms for raw-client tests, and a helper that opens an
// authenticated submission session. Encoders are pure; the session helper asserts every reply.
import { createHmac } from 'node:crypto';
import type { Petrel } from './petrel.js';
import { RawSmtp } from './raw-smtp.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** AUTH PLAIN initial response: base64("\0user\0password"). */
export const plainResponse = (user: string, password: string) => b64(`\0${user}\0${password}`);

/** XOAUTH2 initial response. */
export const xoauth2Response = (user: string, token: string) => b64(`user=${user}\x01auth=Bearer ${token}\x01\x01`);

/** OAUTHBEARER (RFC 7628) initial response. */
export const oauthBearerResponse = (user: string, token: string) => b64(`n,a=${user},\x01auth=Bearer ${token}\x01\x01`);

/** CRAM-MD5 answer to the server's base64 challenge. */
export function cramMd5Response(user: string, password: string, challengeB64: string): string {
  const challenge = Buffer.from(challengeB64, 'base64');
  const digest = createHmac('md5', password).update(challenge).digest('hex');
  return b64(`${user} ${digest}`);
}

export type SubmissionPort = 'submission' | 'alt' | 'submissions';

/** A session on a submission port, in TLS (STARTTLS or implicit) and after EHLO; not yet authenticated. */
export async function openTlsSubmission(p: Petrel, port: SubmissionPort = 'submission'): Promise<RawSmtp> {
  if (port === 'submissions') {
    const c = await RawSmtp.connect(p.ports.submissions, { tls: true });
    await c.hello();
    return c;
  }
  const c = await RawSmtp.connect(p.ports[port]);
  await c.hello();
  await c.cmd('STARTTLS', '220');
  await c.startTls();
  await c.hello('client.test', false);
  return c;
}

/** Same, then AUTH PLAIN as `user`. */
export async function openAuthed(p: Petrel, user: string, password: string, port: SubmissionPort = 'submission'): Promise<RawSmtp> {
  const c = await openTlsSubmission(p, port);
  await c.cmd(`AUTH PLAIN ${plainResponse(user, password)}`, '235');
  return c;
}
