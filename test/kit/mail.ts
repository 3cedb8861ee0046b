// Test messages and SMTP transactions over the raw client, plus queue look-ups by a unique sender.
// Helpers assert each reply and fail with the server's actual answer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Petrel, QueueItem } from './petrel.js';
import { RawSmtp, type Reply } from './raw-smtp.js';

/** A unique token for senders, subjects and Message-IDs, e.g. `tag('dot')` → "dot-1a2b3c4d". */
export function tag(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface MessageSpec {
  from: string;
  to: string;
  subject: string;
  body?: string; // lines joined with CRLF
  date?: boolean; // default true
  messageId?: string | false; // "local@domain" without brackets; default: a fresh one
  headers?: string[];
}

/** An RFC 5322 message with CRLF line ends (no dot-stuffing). */
export function buildMessage(m: MessageSpec): string {
  const lines = [`From: <${m.from}>`, `To: <${m.to}>`, `Subject: ${m.subject}`];
  if (m.date !== false) lines.push(`Date: ${new Date().toUTCString().replace('GMT', '+0000')}`);
  if (m.messageId !== false) lines.push(`Message-ID: <${m.messageId ?? tag('msg') + '@client.test'}>`);
  lines.push(...(m.headers ?? []), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '');
  return lines.join('\r\n') + '\r\n' + (m.body ?? 'Hello from the Petrel test suite.') + '\r\n';
}

/** Dot-stuffs `msg` (CRLF lines) and appends the end-of-data marker. */
export function dotStuff(msg: string): string {
  const body = msg.endsWith('\r\n') ? msg : msg + '\r\n';
  return body.replace(/^\./gm, '..') + '.\r\n';
}

/** Connects to `port`, reads the greeting and sends EHLO. */
export async function openSession(port: number, helo = 'client.test'): Promise<RawSmtp> {
  const c = await RawSmtp.connect(port);
  await c.hello(helo);
  return c;
}

/** MAIL, RCPT..., DATA and the message; returns the final reply (asserted 250). */
export async function sendMail(c: RawSmtp, from: string, rcpts: string[], message: string, mailParams = ''): Promise<Reply> {
  await c.cmd(`MAIL FROM:<${from}>${mailParams ? ' ' + mailParams : ''}`, '250');
  for (const r of rcpts) await c.cmd(`RCPT TO:<${r}>`, '250');
  await c.cmd('DATA', '354');
  await c.write(dotStuff(message));
  return c.expect('250', 'end of data');
}

/** Queue entries whose envelope sender is `sender`. */
export async function queuedFrom(p: Petrel, sender: string): Promise<QueueItem[]> {
  return (await p.queueList()).filter((m) => m.sender === sender);
}

/** The single queue entry from `sender`; fails if there is none or more than one. */
export async function onlyFrom(p: Petrel, sender: string): Promise<QueueItem> {
  const found = await queuedFrom(p, sender);
  assert.equal(found.length, 1, `expected exactly one queued message from ${sender}, got ${JSON.stringify(found)}`);
  return found[0]!;
}
