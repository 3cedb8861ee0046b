// Finds the returned original in a report: a message/rfc822 or header part, else a header block
// quoted in the text. Yields its Message-ID, From, To, Subject and the Petrel queue ids in its Received.

import type { ReportOriginal } from '../report-types.js';
import { decodeWords, field, parseFields, type Field } from './fields.js';
import type { Part } from './mime.js';

const EMBEDDED = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'text/rfc822-header',
  'message/global-headers', 'message/partial']);
const PETREL_ID = /\bby\s+\S{1,255}\s+\(Petrel\)\s+with\s+\S{1,40}\s+id\s+([^\s;]{1,100})/i;
const HEADER_START = /^(Return-Path|Received|Message-ID|From|To|Subject|Date|MIME-Version|X-[\w-]+):[ \t]?/im;

export function emptyOriginal(): ReportOriginal {
  return { messageId: '', petrelIds: [], from: '', to: '', subject: '' };
}

/**
 * The returned message's header fields: the first embedded message or header part, else the first
 * header block quoted in the text (or in any part) that has a Message-ID, else the first block at all.
 */
export function originalFields(parts: readonly Part[], quoted: string): Field[] {
  const embedded = parts.find((p) => EMBEDDED.has(p.type));
  if (embedded !== undefined) {
    const inner = embedded.children[0];
    if (inner !== undefined && inner.fields.length > 0) return inner.fields;
    return parseFields(headerBlocks(embedded.text)[0] ?? '');
  }
  const blocks = [quoted, ...parts.map((p) => p.text)].flatMap(headerBlocks).map(parseFields);
  return blocks.find((f) => field(f, 'message-id') !== '') ?? blocks[0] ?? [];
}

/** Runs of header lines in the text, each up to the blank line that ends it; at most a few. */
function headerBlocks(text: string): string[] {
  const out: string[] = [];
  let rest = text.slice(0, 512 * 1024);
  for (let m = HEADER_START.exec(rest); m !== null && out.length < 5; m = HEADER_START.exec(rest)) {
    rest = rest.slice(m.index);
    const end = rest.search(/\r?\n[ \t]*\r?\n/);
    out.push(end < 0 ? rest.slice(0, 256 * 1024) : rest.slice(0, Math.min(end, 256 * 1024)));
    if (end < 0) break;
    rest = rest.slice(end + 1);
  }
  return out;
}

export function toOriginal(fields: readonly Field[]): ReportOriginal {
  const petrelIds = fields
    .filter((f) => f.name === 'received')
    .map((f) => PETREL_ID.exec(f.value.slice(0, 2000))?.[1])
    .filter((id): id is string => id !== undefined);
  return {
    messageId: field(fields, 'message-id').replace(/^\s*<|>\s*$/g, ''),
    petrelIds: [...new Set(petrelIds)],
    from: decodeWords(field(fields, 'from')),
    to: decodeWords(field(fields, 'to')),
    subject: decodeWords(field(fields, 'subject')),
  };
}
