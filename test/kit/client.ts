// Client-side helpers for tests of the SMTP client: sessions with a transcript (every phase bounded),
// messages from strings, and views of which commands went in which socket write.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { openSession, type ClientSession } from '../../src/smtp/client/client.js';
import type { ConnectOptions, OutgoingMessage, OutgoingRecipient } from '../../src/smtp/client/types.js';

export type Line = [string, string, number];

/** Open a session with a transcript; every phase bounded so no test can hang. */
export async function open(o: Partial<ConnectOptions> & { port: number }) {
  const log: Line[] = [];
  const r = await openSession({
    host: '127.0.0.1',
    helo: 'client.petrel.test',
    tls: { mode: 'none', verify: false },
    transcript: ({ dir, text, write }) => log.push([dir, text, write]),
    ...o,
    timeouts: { connect: 10_000, greeting: 10_000, ehlo: 10_000, mail: 10_000, rcpt: 10_000, data: 10_000, 'data-end': 10_000, quit: 5000, ...o.timeouts },
  });
  return { r, log };
}

export async function session(o: Partial<ConnectOptions> & { port: number }): Promise<{ s: ClientSession; log: Line[] }> {
  const { r, log } = await open(o);
  assert.ok(r.ok, r.ok ? '' : `${r.outcome.code} ${r.outcome.enhanced} ${r.outcome.text}\n${log.map((l) => l.join(' ')).join('\n')}`);
  return { s: r.session, log };
}

export function message(sender: string, recipients: Array<string | OutgoingRecipient>, body: string | Buffer, o: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const rcpts = recipients.map((r) => (typeof r === 'string' ? { address: r } : r));
  return { sender, recipients: rcpts, size: bytes.length, body: () => Readable.from([bytes]), bodyType: '7BIT', smtputf8: false, ...o };
}

/** Commands sent in socket write `w`. */
export const writeOf = (log: Line[], w: number) => log.filter(([d, , n]) => d === 'C' && n === w).map(([, l]) => l);
export const writeNumberOf = (log: Line[], prefix: string) => log.find(([d, l]) => d === 'C' && l.startsWith(prefix))?.[2] ?? -1;
export const codes = (os: Array<{ code: number; enhanced: string }>) => os.map((o) => `${o.code} ${o.enhanced}`);
