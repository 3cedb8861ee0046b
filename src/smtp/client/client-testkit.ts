// Helpers for the client's tests: open a session to a scripted peer with a transcript, build
// messages, and group the transcript by socket write. Test support only; every timeout is short.
import { Readable } from 'node:stream';
import { openSession, type OpenResult } from './client.js';
import type { ScriptedPeer } from './scripted-peer.js';
import type { ClientTimeouts, ConnectOptions, OutgoingMessage, Phase } from './types.js';

/** One transcript entry as the client reports it. */
export type Line = [direction: 'C' | 'S' | 'info', line: string, write: number];

const PHASES: Phase[] = ['connect', 'greeting', 'ehlo', 'helo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'data-block', 'data-end', 'rset', 'quit'];

/** Every phase bounded at 5 s, so a test never hangs on a silent peer. */
export const SHORT: ClientTimeouts = Object.fromEntries(PHASES.map((p) => [p, 5000])) as ClientTimeouts;

/** Open a session to `peer` (no TLS) and record its transcript. */
export async function open(peer: ScriptedPeer, o: Partial<ConnectOptions> = {}): Promise<{ r: OpenResult; log: Line[] }> {
  const log: Line[] = [];
  const r = await openSession({
    host: '127.0.0.1',
    port: peer.port,
    helo: 'client.test',
    tls: { mode: 'none', verify: false },
    transcript: ({ dir, text, write }) => log.push([dir, text, write]),
    ...o,
    timeouts: { ...SHORT, ...o.timeouts },
  });
  return { r, log };
}

/** A message to `recipients` with `body` (bytes or text). */
export function message(recipients: string[], body: string | Buffer = 'Subject: test\r\n\r\nhello\r\n', o: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    sender: 'sender@client.test',
    recipients: recipients.map((address) => ({ address })),
    size: bytes.length,
    body: () => Readable.from([bytes]),
    bodyType: '7BIT',
    smtputf8: false,
    ...o,
  };
}

/** The commands we sent, grouped by socket write, e.g. [['EHLO x'], ['MAIL ...', 'RCPT ...', 'DATA']]. */
export function writes(log: Line[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const [d, line, w] of log) if (d === 'C') groups.set(w, [...(groups.get(w) ?? []), line]);
  return [...groups.values()];
}

/** "code enhanced" per recipient, for compact assertions. */
export const codes = (outcomes: Array<{ code: number; enhanced: string }>): string[] => outcomes.map((o) => `${o.code} ${o.enhanced}`);
