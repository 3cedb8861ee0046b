// Reads one mailbox message into what the classifier needs: sender, subject, threading fields, the
// plain text (HTML-only mail converted), its new text, and what the report parsers make of it.
// Never throws: a message postal-mime cannot parse is read from its header block alone.
import PostalMime, { type Email } from 'postal-mime';
import { parseReport } from '../bounce/report/index.js';
import { decodeWords, parseFields, type Field } from '../bounce/report/fields.js';
import type { ParsedReport } from '../bounce/report-types.js';
import { capBytes, htmlToText, newText, snippetOf } from './text.js';

const MAX_TEXT_BYTES = 64 * 1024;

export interface ReadMail {
  headerId: string | null;
  fields: Field[];
  fromAddr: string | null;
  fromName: string | null;
  subject: string;
  /** The Date field (ms), or null when missing or unreadable. */
  date: number | null;
  inReplyTo: string;
  references: string;
  text: string;
  newText: string;
  snippet: string;
  report: ParsedReport;
}

export async function readMail(raw: Buffer): Promise<ReadMail> {
  const [email, report] = await Promise.all([parse(raw), parseReport(raw)]);
  const fields: Field[] = email ? email.headers.map((h) => ({ name: h.key, value: h.value.trim() })) : parseFields(headBlock(raw));
  const value = (name: string) => fields.find((f) => f.name === name)?.value ?? '';
  const from = email?.from && !email.from.group ? email.from : null;
  const text = capBytes(email?.text ?? htmlToText(email?.html ?? ''), MAX_TEXT_BYTES);
  const fresh = newText(text);
  const date = Date.parse(email?.date ?? value('date'));
  return {
    headerId: bareId(email?.messageId ?? value('message-id')),
    fields,
    fromAddr: from?.address ? from.address.toLowerCase() : null,
    fromName: from?.name || null,
    subject: email?.subject ?? decodeWords(value('subject')),
    date: Number.isFinite(date) ? date : null,
    inReplyTo: email?.inReplyTo ?? value('in-reply-to'),
    references: email?.references ?? value('references'),
    text,
    newText: fresh,
    snippet: snippetOf(fresh),
    report,
  };
}

async function parse(raw: Buffer): Promise<Email | null> {
  try {
    return await PostalMime.parse(raw);
  } catch {
    return null;
  }
}

function headBlock(raw: Buffer): string {
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  return text.slice(0, /\r?\n\r?\n/.exec(text)?.index ?? text.length);
}

/** A Message-ID without its angle brackets; null when empty. */
function bareId(value: string): string | null {
  const id = value.trim().replace(/^<|>$/g, '').trim();
  return id === '' ? null : id.slice(0, 998);
}
