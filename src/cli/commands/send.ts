// `petrel send`: compose a message (or take a complete one with --raw) and queue it durably for
// delivery, whether or not `petrel serve` runs. Bad addresses, headers, files or options exit 2.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { z } from 'zod';
import type { PetrelConfig } from '../../config/schema.js';
import { QueueWriter } from '../../queue/writer.js';
import type { Envelope } from '../../smtp/server/ports.js';
import { rfc5322Date } from '../../smtp/server/received.js';
import { TraceWriter } from '../../smtp/server/trace-writer.js';
import { parsePath } from '../../smtp/wire/address.js';
import type { Db } from '../../store/db.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';

const sendOptions = z.object({
  from: z.string(),
  to: z.array(z.string()).default([]),
  cc: z.array(z.string()).default([]),
  subject: z.string().optional(),
  text: z.string().optional(),
  file: z.string().optional(),
  raw: z.string().optional(),
  header: z.array(z.string()).default([]),
});
type SendOptions = z.infer<typeof sendOptions>;

/** The message bytes, and how to get them once the queue id (for the Message-ID) is known. */
export interface Draft {
  bytes: Buffer;
  final(id: string, hostname: string): Promise<Buffer>;
}

type Addresses = { from: string; to: string[]; cc: string[] };

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('queue a message for delivery, composed from the options or taken whole with --raw')
    .requiredOption('--from <address>', 'envelope sender and From: address')
    .option('--to <address>', 'recipient (repeat for more)', collect, [])
    .option('--cc <address>', 'copy recipient (repeat for more)', collect, [])
    .option('--subject <text>', 'the Subject: header')
    .option('--text <text>', 'the plain-text body')
    .option('--file <file>', 'read the plain-text body (UTF-8) from a file')
    .option('--raw <file>', 'a complete RFC 5322 message; --to names the envelope recipients')
    .option('--header <field>', "an extra header, 'Name: value' (repeat for more)", collect, [])
    .action(async (raw: unknown, command: Command) => {
      const options = checkCombination(sendOptions.parse(raw));
      const from = requireAddress(options.from, '--from');
      const to = options.to.map((a) => requireAddress(a, '--to'));
      const cc = options.cc.map((a) => requireAddress(a, '--cc'));
      if (to.length + cc.length === 0) throw new UsageError('give at least one recipient with --to');
      const config = configFor(command);
      const now = Date.now();
      const draft = options.raw === undefined ? await compose(options, { from, to, cc }, now) : rawDraft(options.raw);
      const envelope = makeEnvelope(from, unique([...to, ...cc]), draft.bytes, now);
      const id = await withDatabase(config, (db) => enqueue(db, config, envelope, draft));
      process.stdout.write(`${id}\n`);
    });
}

function checkCombination(options: SendOptions): SendOptions {
  const bodies = [options.text, options.file, options.raw].filter((b) => b !== undefined);
  if (bodies.length > 1) throw new UsageError('give at most one of --text, --file and --raw');
  const composing = options.subject !== undefined || options.cc.length > 0 || options.header.length > 0;
  if (options.raw !== undefined && composing) {
    throw new UsageError('--raw takes the message as it is: --subject, --cc and --header cannot go with it');
  }
  return options;
}

/**
 * A mailbox as `local@domain` (angle brackets optional), domain in A-label form; UsageError otherwise.
 * @example requireAddress('Bob@Example.COM', '--to') === 'Bob@example.com'
 */
export function requireAddress(text: string, option: string): string {
  if (/[\r\n]/.test(text)) throw new UsageError(`${option}: an address must not contain CR or LF`);
  const inner = text.startsWith('<') && text.endsWith('>') ? text.slice(1, -1) : text;
  const parsed = parsePath(`<${inner}>`, 0, { smtputf8: true });
  const complete = parsed.ok && parsed.end === inner.length + 2;
  if (!complete || parsed.path.kind !== 'mailbox' || parsed.path.flags.sourceRoute) {
    throw new UsageError(`${option}: "${text}" is not a valid address (local@domain)`);
  }
  return parsed.path.address;
}

const unique = (addresses: string[]) => [...new Set(addresses)];

/** A `Name: value` header from --header; the name must be printable ASCII without a colon. */
export function parseHeaderOption(text: string): { key: string; value: string } {
  const colon = text.indexOf(':');
  const key = text.slice(0, Math.max(colon, 0)).trim();
  if (colon <= 0 || !/^[\x21-\x39\x3b-\x7e]+$/.test(key)) {
    throw new UsageError(`--header: "${text}" is not of the form 'Name: value'`);
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n]/.test(value)) throw new UsageError(`--header ${key}: the value must not contain CR or LF`);
  return { key, value };
}

/** Build the message with MailComposer; Message-ID is replaced by ours unless --header gave one. */
async function compose(options: SendOptions, addresses: Addresses, now: number): Promise<Draft> {
  const headers = options.header.map(parseHeaderOption);
  if (options.subject !== undefined && /[\r\n]/.test(options.subject)) {
    throw new UsageError('--subject must not contain CR or LF');
  }
  const node = new MailComposer({
    ...addresses,
    subject: options.subject,
    date: new Date(now),
    text: options.file === undefined ? (options.text ?? '') : readOption(options.file, '--file').toString('utf8'),
    headers,
    newline: 'win',
  }).compile();
  const ownId = headers.some((h) => h.key.toLowerCase() === 'message-id');
  return {
    bytes: await node.build(),
    async final(id, hostname) {
      if (ownId) return node.build();
      node.setHeader('Message-ID', `<${id}@${hostname}>`);
      return node.build();
    },
  };
}

/** A complete message from a file, every line ending made CRLF (a lone CR or LF is never sent). */
function rawDraft(file: string): Draft {
  const text = readOption(file, '--raw').toString('latin1');
  if (text.length === 0) throw new UsageError(`--raw: ${file} is empty`);
  const crlf = text.replace(/\r\n|\r|\n/g, '\r\n');
  const bytes = Buffer.from(crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`, 'latin1');
  return { bytes, final: async () => bytes }; // TraceWriter adds Date and Message-ID if missing
}

function readOption(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`${option}: cannot read ${file} (${code})`);
  }
}

export function makeEnvelope(sender: string, recipients: string[], bytes: Buffer, receivedAt: number): Envelope {
  const nonAscii = /[^\x00-\x7f]/;
  return {
    sender,
    recipients: recipients.map((address) => ({ address })),
    body: bytes.some((byte) => byte > 127) ? '8BITMIME' : '7BIT',
    smtputf8: [sender, ...recipients].some((a) => nonAscii.test(a)),
    authUser: null,
    client: { address: '127.0.0.1', port: 0, helo: 'localhost' },
    tls: null,
    role: 'local',
    listener: 'cli',
    receivedAt,
  };
}

/** Write the message through the one queue writer and wait until it is on disk. */
export async function enqueue(db: Db, config: PetrelConfig, envelope: Envelope, draft: Draft): Promise<string> {
  // No recoverSpool here: a running server owns recovery, and this writer only adds new files.
  const queue = new QueueWriter(db, config.dataDir, { memoryBodyLimit: config.queue.memoryBodyLimit });
  try {
    const inner = queue.open(envelope);
    const fixups = { date: rfc5322Date(envelope.receivedAt), messageId: `<${inner.id}@${config.hostname}>` };
    const writer = new TraceWriter(inner, receivedLine(config.hostname, inner.id, envelope.receivedAt), fixups);
    try {
      writer.write(await draft.final(inner.id, config.hostname));
    } catch (error) {
      writer.abort();
      throw error;
    }
    return await writer.commit();
  } finally {
    await queue.close();
  }
}

function receivedLine(hostname: string, id: string, at: number): string {
  return `Received: from localhost\r\n\tby ${hostname} (Petrel) with local id ${id};\r\n\t${rfc5322Date(at)}\r\n`;
}
