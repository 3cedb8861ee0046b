// A small, bounded MIME walker for returned reports: splits a message into its parts and decodes
// transfer encodings and charsets. Never throws; limits on size, depth and part count cut the walk short.

import { decodeCharset, parseContentType, parseFields, type Field } from './fields.js';

export interface Part {
  fields: Field[];
  type: string; // lower-case media type, text/plain when absent
  params: Record<string, string>;
  /** The decoded body as text (message/* and multipart bodies stay raw). */
  text: string;
  children: Part[];
}

export const LIMITS = { headerBytes: 256 * 1024, bodyBytes: 1024 * 1024, parts: 200, depth: 8 };

interface Budget {
  parts: number;
}

/** Parses a whole message (given as a latin1 string, one char per byte). */
export function parseMessage(raw: string): Part {
  return parseEntity(raw, 0, { parts: 0 });
}

function parseEntity(raw: string, depth: number, budget: Budget): Part {
  budget.parts++;
  const { header, body } = splitHeader(raw);
  const fields = parseFields(header);
  const ctField = fields.find((f) => f.name === 'content-type')?.value ?? '';
  const { type, params } = parseContentType(ctField);
  const part: Part = { fields, type, params, text: '', children: [] };
  const canNest = depth < LIMITS.depth && budget.parts < LIMITS.parts;
  const boundary = type.startsWith('multipart/') ? params.boundary ?? sniffBoundary(body) : '';
  if (boundary && canNest) {
    part.children = splitMultipart(body, boundary).map((p) => parseEntity(p, depth + 1, budget));
    if (part.children.length > 0) return part;
  }
  const cte = (fields.find((f) => f.name === 'content-transfer-encoding')?.value ?? '').toLowerCase();
  const decoded = decodeTransfer(body.slice(0, LIMITS.bodyBytes * 2), cte);
  if (isEmbeddedMessage(type) && canNest) {
    part.children = [parseEntity(decoded.toString('latin1'), depth + 1, budget)];
  }
  part.text = textOf(decoded, params.charset ?? '');
  return part;
}

function isEmbeddedMessage(type: string): boolean {
  return type === 'message/rfc822' || type === 'message/global' || type === 'text/rfc822-headers'
    || type === 'message/global-headers' || type === 'message/partial';
}

/** Header section and body; a part that starts with a non-field line has no header section. */
function splitHeader(raw: string): { header: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw.slice(0, LIMITS.headerBytes));
  const firstLine = raw.slice(0, Math.min(raw.length, 1000)).split(/\r?\n/, 1)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(firstLine)) return { header: '', body: raw.replace(/^\r?\n/, '') };
  if (m === null) return raw.length <= LIMITS.headerBytes ? { header: raw, body: '' } : { header: '', body: raw };
  return { header: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

/** A boundary lost to a badly folded header: the first `--token` line of the body. */
function sniffBoundary(body: string): string {
  return /^--([^\s]{1,70})[ \t]*$/m.exec(body.slice(0, 64 * 1024))?.[1] ?? '';
}

/** The bodies between `--boundary` lines, at most LIMITS.parts of them, preamble and epilogue dropped. */
function splitMultipart(body: string, boundary: string): string[] {
  const delim = `--${boundary}`;
  const out: string[] = [];
  let pos = body.startsWith(delim) ? 0 : body.indexOf(`\n${delim}`);
  while (pos >= 0 && out.length < LIMITS.parts) {
    const start = body.indexOf('\n', pos + 1);
    if (start < 0 || body.startsWith(`${delim}--`, pos + (body[pos] === '\n' ? 1 : 0))) break;
    const next = body.indexOf(`\n${delim}`, start);
    const end = next < 0 ? body.length : next;
    out.push(body.slice(start + 1, end).replace(/\r$/, ''));
    pos = next;
  }
  return out;
}

function decodeTransfer(body: string, cte: string): Buffer {
  if (cte === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

function decodeQuotedPrintable(body: string): Buffer {
  const text = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(text, 'latin1');
}

/** Text in the declared charset, else UTF-8 when valid, else latin1. */
function textOf(bytes: Buffer, charset: string): string {
  const slice = bytes.subarray(0, LIMITS.bodyBytes);
  if (charset !== '') {
    const text = decodeCharset(slice, charset);
    if (text !== null) return text;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(slice);
  } catch {
    return slice.toString('latin1');
  }
}

/** Every part in document order, the part itself first. */
export function walk(part: Part): Part[] {
  return [part, ...part.children.flatMap(walk)];
}
