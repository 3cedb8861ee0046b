// Campaign templates: {{field | "fallback"}} variables and {a|b|c} spintax, compiled once and rendered
// per contact with a seed. Syntax errors throw a TemplateError (line:column); missing fields are a result.
import { seeded } from './choose.js';

/** A template syntax error; `index` is the offset in the source, the message names line:column. */
export class TemplateError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A compiled template: the fields it uses, and those that would make a render fail when missing. */
export interface Template {
  readonly source: string;
  /** Distinct field names used, in order of first use. */
  readonly fields: string[];
  /** Fields used at least once without a fallback (a contact without them cannot be rendered). */
  readonly fieldsWithoutFallback: string[];
}

export type Rendered = { ok: true; text: string } | { ok: false; missing: string[] };

type Node =
  | { kind: 'text'; value: string }
  | { kind: 'var'; name: string; fallback: string | null }
  | { kind: 'spin'; options: Node[][] };

type Token =
  | { t: 'text'; value: string; at: number }
  | { t: 'var'; name: string; fallback: string | null; at: number }
  | { t: '{' | '|' | '}'; at: number };

export const MAX_TEMPLATE_CHARS = 200 * 1024;
export const MAX_SPIN_DEPTH = 20;
const CACHE_ENTRIES = 1000;
/** Total source characters kept in the cache, so 1000 large templates cannot hold hundreds of MB. */
const CACHE_CHARS = 8_000_000;

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const SPECIAL = /[\\{}|]/g;
const ESCAPABLE = new Set(['{', '}', '|', '\\']);

function lineColumn(source: string, index: number): string {
  let line = 1, lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${index - lineStart + 1}`;
}

function fail(source: string, index: number, what: string): never {
  throw new TemplateError(`${what} at ${lineColumn(source, index)}`, index);
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i]!)) i++;
  return i;
}

/** A quoted fallback starting at `i` ("..." or '...', where \" \' and \\ escape). */
function readQuoted(src: string, i: number): { value: string; end: number } {
  const quote = src[i];
  if (quote !== '"' && quote !== "'") fail(src, i, 'a fallback must be quoted, as in {{first_name | "there"}},');
  let value = '';
  for (let j = i + 1; j < src.length; j++) {
    const c = src[j]!;
    if (c === quote) return { value, end: j + 1 };
    if (c === '\\' && (src[j + 1] === quote || src[j + 1] === '\\')) value += src[++j];
    else value += c;
  }
  return fail(src, i, 'unterminated fallback string started');
}

/** The variable `{{ name | "fallback" }}` opening at `at`. */
function readVariable(src: string, at: number): { token: Token; end: number } {
  let i = skipSpace(src, at + 2);
  NAME.lastIndex = i;
  const name = NAME.exec(src)?.[0];
  if (!name) {
    const hint = src[i] === '{' ? ' ("{{" always opens a variable: a spin cannot start with "{{")' : '';
    fail(src, i, `expected a field name after "{{"${hint}`);
  }
  i = skipSpace(src, i + name.length);
  let fallback: string | null = null;
  if (src[i] === '|') {
    const quoted = readQuoted(src, skipSpace(src, i + 1));
    fallback = quoted.value;
    i = skipSpace(src, quoted.end);
  }
  if (!src.startsWith('}}', i)) fail(src, i, `expected "}}" to close the variable {{${name}`);
  return { token: { t: 'var', name, fallback, at }, end: i + 2 };
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let text = '', textAt = 0, i = 0;
  const addText = (value: string, at: number) => { if (!text) textAt = at; text += value; };
  const flush = () => { if (text) out.push({ t: 'text', value: text, at: textAt }); text = ''; };
  while (i < src.length) {
    SPECIAL.lastIndex = i;
    const at = SPECIAL.exec(src)?.index ?? src.length;
    if (at > i) addText(src.slice(i, at), i);
    if (at >= src.length) break;
    const c = src[at]!, next = src[at + 1];
    if (c === '\\') {
      // Only \{ \} \| \\ are escapes; any other backslash is plain text.
      if (next !== undefined && ESCAPABLE.has(next)) { addText(next, at); i = at + 2; } else { addText(c, at); i = at + 1; }
    } else if (c === '{' && next === '{') {
      flush();
      const v = readVariable(src, at);
      out.push(v.token);
      i = v.end;
    } else {
      flush();
      out.push({ t: c as '{' | '|' | '}', at });
      i = at + 1;
    }
  }
  flush();
  return out;
}

/** Recursive descent over the tokens: sequence := (text | var | spin)*, spin := "{" seq ("|" seq)+ "}". */
class Parser {
  private pos = 0;
  constructor(private readonly src: string, private readonly tokens: Token[]) {}

  parseDocument(): Node[] {
    const nodes = this.sequence(0);
    const stray = this.tokens[this.pos];
    if (stray) fail(this.src, stray.at, 'stray "}" (write \\} for a literal brace)');
    return nodes;
  }

  private sequence(depth: number): Node[] {
    const nodes: Node[] = [];
    for (let tok = this.tokens[this.pos]; tok; tok = this.tokens[this.pos]) {
      if (tok.t === '}' || (tok.t === '|' && depth > 0)) break;
      this.pos++;
      if (tok.t === 'text') pushText(nodes, tok.value);
      else if (tok.t === '|') pushText(nodes, '|'); // outside a spin a bar is plain text
      else if (tok.t === 'var') nodes.push({ kind: 'var', name: tok.name, fallback: tok.fallback });
      else nodes.push(this.spin(tok.at, depth + 1));
    }
    return nodes;
  }

  private spin(at: number, depth: number): Node {
    if (depth > MAX_SPIN_DEPTH) fail(this.src, at, `spintax nested deeper than ${MAX_SPIN_DEPTH} levels`);
    const options = [this.sequence(depth)];
    while (this.tokens[this.pos]?.t === '|') {
      this.pos++;
      options.push(this.sequence(depth));
    }
    if (this.tokens[this.pos]?.t !== '}') fail(this.src, at, 'unclosed "{" (write \\{ for a literal brace)');
    this.pos++;
    if (options.length < 2) fail(this.src, at, '"{...}" without "|" is not spintax (write \\{ and \\} for literal braces, {{field}} for a variable)');
    return { kind: 'spin', options };
  }
}

function pushText(nodes: Node[], value: string): void {
  const last = nodes[nodes.length - 1];
  if (last?.kind === 'text') last.value += value;
  else nodes.push({ kind: 'text', value });
}

function collectFields(nodes: Node[], fields: Set<string>, required: Set<string>): void {
  for (const n of nodes) {
    if (n.kind === 'var') {
      fields.add(n.name);
      if (n.fallback === null) required.add(n.name);
    } else if (n.kind === 'spin') for (const o of n.options) collectFields(o, fields, required);
  }
}

const asts = new WeakMap<Template, Node[]>();
const cache = new Map<string, Template>();
let cachedChars = 0;

function remember(t: Template): void {
  cache.set(t.source, t);
  cachedChars += t.source.length;
  for (const [source] of cache) {
    if (cache.size <= CACHE_ENTRIES && cachedChars <= CACHE_CHARS) break;
    cache.delete(source);
    cachedChars -= source.length;
  }
}

/**
 * Parse `source` once (cached by source, least recently used out); throws a TemplateError on bad syntax.
 * @example compileTemplate('{Hi|Hello} {{first_name | "there"}}').fieldsWithoutFallback // []
 */
export function compileTemplate(source: string): Template {
  const hit = cache.get(source);
  if (hit) {
    cache.delete(source); // re-insert: the Map's order is the recency order
    cache.set(source, hit);
    return hit;
  }
  if (source.length > MAX_TEMPLATE_CHARS) fail(source, MAX_TEMPLATE_CHARS, `template longer than ${MAX_TEMPLATE_CHARS} characters`);
  const nodes = new Parser(source, tokenize(source)).parseDocument();
  const fields = new Set<string>(), required = new Set<string>();
  collectFields(nodes, fields, required);
  const t: Template = Object.freeze({ source, fields: [...fields], fieldsWithoutFallback: [...required] });
  asts.set(t, nodes);
  remember(t);
  return t;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Exact key first, then the first key equal ignoring case; blank values count as missing. */
function lookupIn(fields: Readonly<Record<string, string>>): (name: string) => string | undefined {
  let folded: Map<string, string> | undefined;
  const usable = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  return (name) => {
    if (Object.hasOwn(fields, name)) return usable(fields[name]);
    if (!folded) {
      folded = new Map();
      for (const [k, v] of Object.entries(fields)) if (!folded.has(k.toLowerCase())) folded.set(k.toLowerCase(), v);
    }
    return usable(folded.get(name.toLowerCase()));
  };
}

interface RenderState { out: string[]; missing: Set<string>; next: () => number; lookup: (name: string) => string | undefined; html: boolean }

function renderNodes(nodes: Node[], s: RenderState): void {
  for (const n of nodes) {
    if (n.kind === 'text') s.out.push(n.value);
    else if (n.kind === 'spin') renderNodes(n.options[Math.floor(s.next() * n.options.length)]!, s);
    else {
      const value = s.lookup(n.name) ?? n.fallback;
      if (value === null) s.missing.add(n.name);
      else s.out.push(s.html ? escapeHtml(value) : value);
    }
  }
}

/**
 * Render for one contact: spins choose with `seeded(seed)` in document order, field values go in
 * literally (HTML-escaped with `html`). Missing fields without a fallback (only those on the chosen
 * spin paths) give `{ ok: false, missing }`.
 * @example renderTemplate(compileTemplate('Hi {{name}}'), { name: 'Ada' }, 'c1') // { ok: true, text: 'Hi Ada' }
 */
export function renderTemplate(t: Template, fields: Readonly<Record<string, string>>, seed: string, opts: { html?: boolean } = {}): Rendered {
  const nodes = asts.get(t) ?? asts.get(compileTemplate(t.source))!;
  const s: RenderState = { out: [], missing: new Set(), next: seeded(seed), lookup: lookupIn(fields), html: opts.html === true };
  renderNodes(nodes, s);
  return s.missing.size > 0 ? { ok: false, missing: [...s.missing] } : { ok: true, text: s.out.join('') };
}
