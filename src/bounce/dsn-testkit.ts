// Fixtures and checks for the DSN tests: a sample original, an input builder, a wire-format check, and
// readers for the parts of a composed DSN. Not used by production code; assertions throw on failure.

import assert from 'node:assert/strict';
import PostalMime, { type Email } from 'postal-mime';
import type { DsnInput, DsnRecipient } from './dsn.js';

export const ARRIVAL = Date.UTC(2026, 10, 28, 17, 21, 41);
export const NOW = ARRIVAL + 3_600_000;

export const ORIGINAL = Buffer.from(
  'Received: from client.example.com ([192.0.2.7])\r\n\tby mx.petrel.test (Petrel) with ESMTPS id 01ABC\r\n' +
    'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Quarterly report\r\n' +
    'Message-ID: <q4.report@example.com>\r\nDate: Sat, 28 Nov 2026 17:21:40 +0000\r\n\r\n' +
    'Hello Bob,\r\n\r\nthe report is attached.\r\n',
);

/** The header section of ORIGINAL, up to and including the CRLF of its last field. */
export const ORIGINAL_HEADERS = ORIGINAL.subarray(0, ORIGINAL.indexOf('\r\n\r\n') + 2);

export const BOUNCED: DsnRecipient = {
  finalRecipient: 'bob@example.net',
  action: 'failed',
  status: '5.1.1',
  remoteMta: 'mx.example.net',
  diagnostic: { code: 550, enhanced: '5.1.1', text: 'User unknown', remote: true },
  lastAttemptAt: NOW,
};

/** A failure report for BOUNCED; override what a test is about. */
export function dsnInput(over: Partial<DsnInput> = {}): DsnInput {
  return {
    reportingMta: 'mx.petrel.test',
    originalSender: 'alice@example.com',
    arrivalDate: ARRIVAL,
    recipients: [BOUNCED],
    original: ORIGINAL,
    smtputf8: false,
    now: NOW,
    messageId: '<dsn.1@mx.petrel.test>',
    ...over,
  };
}

/** Every line ends in CRLF and is at most 998 octets; the message is 7-bit unless `eightBit`. */
export function assertWireSafe(message: Buffer, eightBit = false): void {
  const text = message.toString('latin1');
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, 'no bare CR or LF');
  for (const line of text.split('\r\n')) assert.ok(line.length <= 998, `line of ${line.length} octets`);
  if (!eightBit) assert.ok(!message.some((b) => b > 127), 'message is 7-bit');
}

export interface RawPart {
  headers: string;
  body: Buffer;
}

/** The boundary named in the top-level Content-Type. */
export function boundaryOf(message: Buffer): string {
  const head = message.subarray(0, message.indexOf('\r\n\r\n')).toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  const m = /^Content-Type: multipart\/report;.* boundary="([^"]+)"$/im.exec(head);
  assert.ok(m, 'top-level Content-Type has a boundary');
  return m[1]!;
}

/** The body parts exactly as RFC 2046 §5.1.1 delimits them (the CRLF before "--" is the delimiter's). */
export function rawParts(message: Buffer): RawPart[] {
  const delimiter = `\r\n--${boundaryOf(message)}`;
  const chunks = message.toString('latin1').split(delimiter);
  assert.ok(chunks.length >= 3 && chunks.at(-1) === '--\r\n', 'closed by the close-delimiter');
  return chunks.slice(1, -1).map((chunk) => {
    assert.ok(chunk.startsWith('\r\n'), 'delimiter line ends right after the boundary');
    const split = chunk.indexOf('\r\n\r\n');
    return { headers: chunk.slice(2, split + 2), body: Buffer.from(chunk.slice(split + 4), 'latin1') };
  });
}

/** The blocks of a delivery-status body as [name, unfolded value] lists: per-message, then per recipient. */
export function statusBlocks(body: Buffer): [string, string][][] {
  const text = body.toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  return text
    .split('\r\n\r\n')
    .filter((b) => b.trim() !== '')
    .map((b) => b.split('\r\n').filter((l) => l !== '').map((l) => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon), l.slice(colon + 1).trim()] as [string, string];
    }));
}

/** Parses with postal-mime, attachment contents as UTF-8 text with LF line ends. */
export async function parsed(message: Buffer): Promise<Email & { parts: { type: string; content: string }[] }> {
  const email = await PostalMime.parse(message, { attachmentEncoding: 'utf8' });
  const parts = email.attachments.map((a) => ({ type: a.mimeType, content: String(a.content) }));
  return { ...email, parts };
}

/** The header field `name` of the top-level header section, unfolded. */
export function topField(message: Buffer, name: string): string | undefined {
  const head = message.subarray(0, message.indexOf('\r\n\r\n') + 2).toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return m?.[1];
}
