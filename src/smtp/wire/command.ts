// SMTP commands: one parser and one encoder shared by the server and the client, with no I/O.
// Parsing never throws: a bad line yields the reply the server owes (500/501/555 with enhanced codes).

import { closingBracket, parsePath, type Path, type PathError } from './address.js';
import { reply, type Reply } from './reply.js';

/** ESMTP parameters in the order given; a keyword without `=` has the value `true`. */
export type Params = ReadonlyArray<readonly [keyword: string, value: string | true]>;

export type Command =
  | { verb: 'EHLO' | 'HELO'; domain: string }
  | { verb: 'MAIL'; path: Path; params: Params }
  | { verb: 'RCPT'; path: Path; params: Params }
  | { verb: 'BDAT'; size: number; last: boolean }
  | { verb: 'AUTH'; mechanism: string; initial?: string }
  | { verb: 'VRFY'; argument: string }
  | { verb: 'HELP'; argument?: string }
  | { verb: 'DATA' | 'RSET' | 'NOOP' | 'QUIT' | 'STARTTLS' };

export type Verb = Command['verb'];

/** A refused line names its verb when the verb is known, so policy can still apply to it. */
export type ParseResult = { ok: true; command: Command } | { ok: false; reply: Reply; verb?: Verb };

const syntax = (text: string): ParseResult => ({ ok: false, reply: reply(501, '5.5.4', text) });
const PARAM = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([^\x00-\x20=\x7f]+))?$/;

/**
 * Parse one command line (without its CRLF). `smtputf8` says whether UTF-8 is allowed in the
 * MAIL/RCPT path, which depends on the MAIL command's parameters: the caller passes it for RCPT.
 */
export function parseCommand(line: string, opts: { smtputf8?: boolean } = {}): ParseResult {
  const space = line.indexOf(' ');
  const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const arg = space < 0 ? '' : line.slice(space + 1);
  const result = parseArguments(verb, arg, opts);
  if (result === null) return { ok: false, reply: reply(500, '5.5.1', 'Unknown command') };
  return result.ok ? result : { ...result, verb: verb as Verb };
}

function parseArguments(verb: string, arg: string, opts: { smtputf8?: boolean }): ParseResult | null {
  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return parseHello(verb, arg);
    case 'MAIL':
      return parsePathCommand('MAIL', 'FROM:', arg, opts.smtputf8);
    case 'RCPT':
      return parsePathCommand('RCPT', 'TO:', arg, opts.smtputf8);
    case 'BDAT':
      return parseBdat(arg);
    case 'AUTH':
      return parseAuth(arg);
    case 'VRFY':
      return arg.trim() ? { ok: true, command: { verb, argument: arg.trim() } } : syntax('VRFY needs an argument');
    case 'HELP':
      return { ok: true, command: arg.trim() ? { verb, argument: arg.trim() } : { verb } };
    case 'DATA':
    case 'RSET':
    case 'NOOP':
    case 'QUIT':
    case 'STARTTLS':
      return verb === 'NOOP' || arg.trim() === '' ? { ok: true, command: { verb } } : syntax(`${verb} takes no argument`);
    default:
      return null;
  }
}

function parseHello(verb: 'EHLO' | 'HELO', arg: string): ParseResult {
  const domain = arg.trim().split(/\s+/)[0] ?? '';
  return domain ? { ok: true, command: { verb, domain } } : syntax(`${verb} needs a domain or address literal`);
}

function parseBdat(arg: string): ParseResult {
  const m = /^(\d{1,15})(?: +(LAST))? *$/i.exec(arg);
  if (!m) return syntax('Syntax: BDAT <size> [LAST]');
  return { ok: true, command: { verb: 'BDAT', size: Number(m[1]), last: m[2] !== undefined } };
}

function parseAuth(arg: string): ParseResult {
  const m = /^([A-Za-z0-9_-]{1,20})(?: +(\S+))? *$/.exec(arg);
  if (!m) return syntax('Syntax: AUTH <mechanism> [initial-response]');
  const command: Command = { verb: 'AUTH', mechanism: m[1]!.toUpperCase() };
  return { ok: true, command: m[2] === undefined ? command : { ...command, initial: m[2] } };
}

const PATH_ERRORS: Record<'MAIL' | 'RCPT', Record<PathError, Reply>> = {
  MAIL: {
    syntax: reply(501, '5.1.7', 'Bad sender address syntax'),
    'too-long': reply(501, '5.1.7', 'Sender address too long'),
    'bad-domain': reply(501, '5.1.8', 'Malformed sender domain (IDNA conversion failed)'),
    'utf8-not-allowed': reply(553, '5.6.7', 'Non-ASCII sender address needs the SMTPUTF8 parameter'),
  },
  RCPT: {
    syntax: reply(501, '5.1.3', 'Bad recipient address syntax'),
    'too-long': reply(501, '5.1.3', 'Recipient address too long'),
    'bad-domain': reply(501, '5.1.2', 'Malformed destination domain (IDNA conversion failed)'),
    'utf8-not-allowed': reply(553, '5.6.7', 'Non-ASCII recipient address needs SMTPUTF8 at MAIL'),
  },
};

function parsePathCommand(verb: 'MAIL' | 'RCPT', keyword: string, arg: string, smtputf8 = false): ParseResult {
  if (arg.slice(0, keyword.length).toUpperCase() !== keyword) return syntax(`Syntax: ${verb} ${keyword}<address>`);
  // Tolerate one space after the colon: common and harmless (Postfix does the same).
  const at = arg[keyword.length] === ' ' ? keyword.length + 1 : keyword.length;
  if (arg[at] !== '<') return syntax(`Syntax: ${verb} ${keyword}<address>: angle brackets are required`);
  const params = parseParamList(arg.slice(at));
  const utf8 = verb === 'MAIL' ? params.some(([k]) => k === 'SMTPUTF8') : smtputf8;
  const path = parsePath(arg, at, { smtputf8: utf8 });
  if (!path.ok) return { ok: false, reply: PATH_ERRORS[verb][path.error] };
  if (path.path.kind === 'postmaster' && verb === 'MAIL') return { ok: false, reply: PATH_ERRORS.MAIL.syntax };
  const rest = arg.slice(path.end);
  if (rest !== '' && !rest.startsWith(' ')) return syntax('Bad characters after the address');
  const parsed = parseParams(rest.trim());
  if (parsed === null) return syntax('Bad ESMTP parameter syntax');
  return { ok: true, command: { verb, path: path.path, params: parsed } };
}

/** Best-effort scan for parameters before the path is parsed (only to learn about SMTPUTF8). */
function parseParamList(fromPath: string): Params {
  const close = closingBracket(fromPath, 0);
  return close < 0 ? [] : parseParams(fromPath.slice(close + 1).trim()) ?? [];
}

function parseParams(text: string): Params | null {
  if (text === '') return [];
  const out: Array<readonly [string, string | true]> = [];
  for (const word of text.split(/ +/)) {
    const m = PARAM.exec(word);
    if (!m) return null;
    out.push([m[1]!.toUpperCase(), m[2] ?? true]);
  }
  return out;
}

/** Encode a command for the wire (client side), without validating policy; adds the CRLF. */
export function encodeCommand(c: Command): string {
  return `${commandText(c)}\r\n`;
}

function commandText(c: Command): string {
  switch (c.verb) {
    case 'EHLO':
    case 'HELO':
      return `${c.verb} ${c.domain}`;
    case 'MAIL':
      return `MAIL FROM:${encodePath(c.path)}${encodeParams(c.params)}`;
    case 'RCPT':
      return `RCPT TO:${encodePath(c.path)}${encodeParams(c.params)}`;
    case 'BDAT':
      return `BDAT ${c.size}${c.last ? ' LAST' : ''}`;
    case 'AUTH':
      return c.initial === undefined ? `AUTH ${c.mechanism}` : `AUTH ${c.mechanism} ${c.initial}`;
    case 'VRFY':
      return `VRFY ${c.argument}`;
    case 'HELP':
      return c.argument === undefined ? 'HELP' : `HELP ${c.argument}`;
    default:
      return c.verb;
  }
}

/** `<>`, `<Postmaster>` or `<local@domain>` (source routes are never sent: RFC 5321 §4.1.1.3). */
export function encodePath(p: Path): string {
  if (p.kind === 'null') return '<>';
  if (p.kind === 'postmaster') return '<Postmaster>';
  return `<${p.address}>`;
}

function encodeParams(params: Params): string {
  return params.map(([k, v]) => (v === true ? ` ${k}` : ` ${k}=${v}`)).join('');
}
