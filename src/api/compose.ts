// The message of POST /v1/messages: its zod schema (addresses, headers and base64 checked field by
// field, so bad input is a 400 naming the path), composition to RFC 5322 bytes with nodemailer's
// MailComposer, and the envelope addresses of a raw message. Files and URLs are never read.
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { z } from 'zod';
import { parsePath } from '../smtp/wire/address.js';

export interface Mailbox {
  name: string;
  address: string;
}

/**
 * `local@domain` or `Display Name <local@domain>`; the address as RFC 5321 parses it, else null.
 * @example parseMailbox('Bob <Bob@Example.COM>') // { name: 'Bob', address: 'Bob@example.com' }
 */
export function parseMailbox(text: string): Mailbox | null {
  if (/[\r\n]/.test(text)) return null;
  const named = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(text);
  const name = named ? named[1]!.replace(/^"(.*)"$/, '$1') : '';
  const inner = named ? named[2]! : text.trim();
  const parsed = parsePath(`<${inner}>`, 0, { smtputf8: true });
  if (!parsed.ok || parsed.end !== inner.length + 2) return null;
  if (parsed.path.kind !== 'mailbox' || parsed.path.flags.sourceRoute) return null;
  return { name, address: parsed.path.address };
}

const mailbox = z
  .string()
  .max(998)
  .transform((text, ctx) => {
    const parsed = parseMailbox(text);
    if (parsed === null) ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 100)}" is not an address (local@domain or Name <local@domain>)` });
    return parsed ?? { name: '', address: '' };
  });
/** One address or a list; a bad one is reported at its index (to.0 for a single string). */
const mailboxes = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => [v].flat())
  .pipe(z.array(mailbox).max(10_000));

const noNewline = (what: string) => z.string().refine((s) => !/[\r\n]/.test(s), `${what} must not contain CR or LF`);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const attachment = z.strictObject({
  filename: noNewline('a filename').pipe(z.string().min(1).max(255)),
  content: z.string().regex(BASE64, 'must be base64 (RFC 4648, no line breaks)'),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like application/pdf').optional(),
  contentId: noNewline('a content id').pipe(z.string().min(1).max(255)).optional(),
});

/** Headers the other fields (or MailComposer) write; a custom header may not replace them. */
const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'mime-version',
  'content-type', 'content-transfer-encoding', 'content-disposition', 'received', 'x-petrel-tags', 'x-petrel-metadata']);
const headerName = z
  .string()
  .regex(/^[\x21-\x39\x3b-\x7e]{1,76}$/, 'a header name is printable ASCII without a colon')
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'this header is set by its own field or by Petrel');

/** The JSON body of POST /v1/messages. */
export const messageInput = z.strictObject({
  /** Optional when `identity` or `pool` says who sends (then its address is used, this display name kept). */
  from: mailbox.optional(),
  /** Send from this identity (src/identities), or from the least-used member of this pool with room today. */
  identity: z.string().min(1).max(64).optional(),
  pool: z.string().min(1).max(64).optional(),
  /** Sticky keys: later messages with the same thread or contact leave from the same identity. */
  thread: z.string().min(1).max(200).optional(),
  contact: z.string().min(1).max(320).optional(),
  to: mailboxes,
  cc: mailboxes.optional(),
  bcc: mailboxes.optional(),
  replyTo: mailbox.optional(),
  subject: noNewline('subject').pipe(z.string().max(998)).optional(),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(attachment).max(100).optional(),
  headers: z.record(headerName, noNewline('a header value').pipe(z.string().max(998))).optional(),
  tags: z.array(z.string().regex(/^[\w.:-]{1,64}$/, 'a tag is 1-64 of letters, digits, _ . : -')).max(20).optional(),
  metadata: z.record(z.string().regex(/^[\w.-]{1,64}$/, 'a metadata key is 1-64 of letters, digits, _ . -'), z.string().max(1000))
    .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata keys')
    .optional(),
});
export type MessageInput = z.output<typeof messageInput>;

/** Envelope recipients of a message: to, cc and bcc without duplicates (case-sensitive local parts). */
export function recipientsOf(input: MessageInput): string[] {
  return [...new Set([...input.to, ...(input.cc ?? []), ...(input.bcc ?? [])].map((m) => m.address))];
}

/** RFC 5322 bytes (CRLF) of `input`; Bcc is not written. Our Message-ID unless a header gives one. */
export async function composeMessage(input: MessageInput, ids: { messageId: string; date: Date }): Promise<Buffer> {
  const headers = Object.entries(input.headers ?? {}).map(([key, value]) => ({ key, value }));
  const ownId = headers.some((h) => h.key.toLowerCase() === 'message-id');
  const composer = new MailComposer({
    from: input.from,
    to: input.to,
    ...(input.cc ? { cc: input.cc } : {}),
    ...(input.bcc ? { bcc: input.bcc } : {}),
    ...(input.replyTo ? { replyTo: input.replyTo } : {}),
    ...(input.subject !== undefined ? { subject: input.subject } : {}),
    ...(input.text !== undefined ? { text: input.text } : {}),
    ...(input.html !== undefined ? { html: input.html } : {}),
    attachments: (input.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.content, 'base64'),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
    headers,
    ...(ownId ? {} : { messageId: ids.messageId }),
    date: ids.date,
    newline: 'win',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/** Every line ending made CRLF and a final CRLF added: a lone CR or LF is never queued. */
export function toCrlf(raw: Buffer): Buffer {
  const crlf = raw.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  return Buffer.from(crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`, 'latin1');
}

/** The header section of a CRLF message (up to the blank line), unfolded, as [name, value] pairs. */
export function headerFields(message: Buffer): Array<[string, string]> {
  const end = message.indexOf('\r\n\r\n');
  const head = message.subarray(0, end < 0 ? message.length : end).toString('utf8');
  return head
    .split(/\r\n(?![ \t])/)
    .map((line) => /^([^:\s]+)[ \t]*:(.*)$/s.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!.toLowerCase(), m[2]!.replace(/\r\n/g, '').trim()]);
}

/** The From address and the To/Cc/Bcc addresses of a raw message's headers (groups flattened). */
export function headerAddresses(message: Buffer): { from: string[]; recipients: string[] } {
  const fields = headerFields(message);
  const list = (names: string[]) =>
    fields.filter(([n]) => names.includes(n)).flatMap(([, v]) => addressparser(v, { flatten: true }).map((a) => a.address));
  return { from: list(['from']), recipients: list(['to', 'cc', 'bcc']) };
}

/** The message without its Bcc fields (and their folded lines), which recipients must not see. */
export function withoutBcc(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) return message;
  const head = message.subarray(0, end + 2).toString('latin1');
  const kept = head.split(/(?<=\r\n)(?![ \t])/).filter((field) => !/^bcc[ \t]*:/i.test(field));
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), message.subarray(end + 2)]);
}
