// Replays chasquid's dialogue scripts (../shared/testdata/smtp-dialogs/*.cmy, read at run time)
// against the session state machine, through a small driver that reads bytes the way
// connection.ts does. Reply codes are compared, not texts; where Petrel deliberately answers
// differently, OVERRIDES says so and why.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { LineReader, type LineEvent } from '../wire/line-reader.js';
import type { Reply } from '../wire/reply.js';
import { DotReader } from './dot-reader.js';
import { fakeDirectory, SessionHarness, TEST_TLS } from './session-testkit.js';
import type { SessionInput } from './session-types.js';

const DIR = resolve(process.cwd(), '../shared/testdata/smtp-dialogs');

// chasquid's test server: domain "testserver", user "user@testserver" / "secretpassword",
// 1 MiB messages, and at most 3 errors per connection.
const MAX_LINE = 1000; // the scripts' 1012-byte HELO must be too long; Petrel's default (2048) is not
const AUTH_LINE_LIMIT = 12288 + 2;
const CONFIG = { hostname: 'testserver', maxErrors: 3, maxMessageSize: 1024 * 1024 } as const;

interface Override {
  file: string;
  line: number;
  step: string; // the script line, to notice a changed fixture
  /** For a reply step: the codes Petrel sends instead ([] = none, the connection is closed). */
  codes?: number[];
  /** For a send step: Petrel's reply to it, and the line the script then sends in its place. */
  reply?: number;
  then?: string;
  reason: string;
}

const NO_BRACKETS = 'Petrel requires the angle brackets of RFC 5321 §4.1.2 (chasquid accepts a bare address): 501, then the bracketed form';

const OVERRIDES: Override[] = [
  { file: 'chasquid-auth_multi_dialog.cmy', line: 9, step: 'c <~ 534', codes: [504], reason: 'an unknown mechanism is 504 5.5.4 (RFC 4954 §4); chasquid says 534' },
  {
    file: 'chasquid-auth_too_many_failures.cmy',
    line: 13,
    step: 'c <~ 421 4.5.0 Too many errors, bye',
    codes: [501, 421],
    reason: 'Petrel sends the third error reply and then 421; chasquid sends 421 in its place',
  },
  ...[
    'chasquid-bad_data.cmy:23',
    'chasquid-bad_data_dot.cmy:9',
    'chasquid-bad_data_dot_2.cmy:9',
    'chasquid-bad_data_dot_on_message_too_big.cmy:9',
    'chasquid-data_dot_stuffing.cmy:9',
    'chasquid-message_too_big.cmy:9',
    'chasquid-sendmail.cmy:9',
  ].map((at): Override => {
    const [file, line] = at.split(':') as [string, string];
    return { file, line: Number(line), step: 'c -> RCPT TO: user@testserver', reply: 501, then: 'RCPT TO:<user@testserver>', reason: NO_BRACKETS };
  }),
  {
    file: 'chasquid-bad_data.cmy',
    line: 35,
    step: 'c <~ 554 5.6.0 Error parsing message',
    codes: [250],
    reason: 'Petrel does not parse the header section at DATA: a malformed header is stored as sent',
  },
  ...[
    ['chasquid-bad_mail_from.cmy', 8, 'c <- 500 5.5.2 Unknown command'],
    ['chasquid-bad_mail_from.cmy', 11, 'c <~ 500'],
    ['chasquid-bad_rcpt_to.cmy', 11, 'c <- 500 5.5.2 Unknown command'],
    ['chasquid-bad_rcpt_to.cmy', 14, 'c <~ 500'],
  ].map(([file, line, step]): Override => ({
    file: file as string,
    line: line as number,
    step: step as string,
    codes: [501],
    reason: 'MAIL and RCPT are known verbs: a bad or missing FROM:/TO: argument is a 501 syntax error (RFC 5321 §4.2.3), not 500',
  })),
  {
    file: 'chasquid-bad_rcpt_to.cmy',
    line: 41,
    step: 'c <- 550 5.1.3 Destination address is invalid',
    codes: [553],
    reason: 'a non-ASCII address without SMTPUTF8 is 553 5.6.7 (RFC 6531 §3.5)',
  },
  { file: 'chasquid-line_too_long.cmy', line: 5, step: 'c <~ 554', codes: [500], reason: 'a too-long command line is 500 5.5.6 (RFC 5321 §4.5.3.1.4, §4.2.4)' },
  ...[5, 10, 15].map(
    (line): Override => ({
      file: 'chasquid-wrong_proto.cmy',
      line,
      step: 'c <- 502 5.7.0 You hear someone cursing shoplifters',
      codes: [],
      reason: 'an HTTP request line gets no reply at all: Petrel just closes (cross-protocol defence)',
    }),
  ),
];

const used = new Set<Override>();

function override(file: string, line: number, text: string): Override | undefined {
  const o = OVERRIDES.find((x) => x.file === file && x.line === line);
  if (o) {
    assert.equal(text, o.step, `${file}:${line}: the fixture changed under an override`);
    used.add(o);
  }
  return o;
}

// ---- The script language ----

type Step =
  | { op: 'connect'; tls: boolean }
  | { op: 'close' }
  | { op: 'send'; bytes: Buffer; line: string }
  | { op: 'expect'; code: string; multiLast?: string };

interface ScriptLine {
  no: number;
  text: string;
  step: Step;
}

function parseScript(source: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  source.split('\n').forEach((text, i) => {
    if (text.trim() === '' || text.startsWith('#')) return;
    out.push({ no: i + 1, text, step: parseStep(text) });
  });
  return out;
}

function parseStep(text: string): Step {
  const m = /^c (tcp_connect|tls_connect|close|->|~>|<-|<~|<\.\.\.)(?: (.*))?$/.exec(text);
  if (!m) throw new Error(`unknown script line: ${text}`);
  const arg = m[2] ?? '';
  switch (m[1]) {
    case 'tcp_connect':
    case 'tls_connect':
      return { op: 'connect', tls: m[1] === 'tls_connect' };
    case 'close':
      return { op: 'close' };
    case '->':
      return { op: 'send', bytes: Buffer.from(`${arg}\r\n`, 'utf8'), line: arg };
    case '~>':
      return { op: 'send', bytes: Buffer.from(pyString(arg), 'utf8'), line: arg };
    case '<...': {
      const [code, ...rest] = arg.split(' ');
      return { op: 'expect', code: code ?? '', multiLast: rest.join(' ') };
    }
    default:
      return { op: 'expect', code: arg.slice(0, 3) };
  }
}

/**
 * Evaluate the Python-ish byte expressions of `c ~>`: '...' literals with \r \n \t \\ \' escapes,
 * `+` concatenation, `* n` repetition and parentheses.
 */
function pyString(src: string): string {
  let i = 0;
  const skip = () => {
    while (src[i] === ' ') i++;
  };
  const fail = (what: string): never => {
    throw new Error(`bad expression at ${i} (${what}): ${src}`);
  };
  const ESCAPES: Record<string, string> = { r: '\r', n: '\n', t: '\t', '\\': '\\', "'": "'", '0': '\0' };
  function literal(): string {
    let out = '';
    for (i++; src[i] !== "'"; i++) {
      if (i >= src.length) fail('unterminated string');
      if (src[i] === '\\') out += ESCAPES[src[++i] ?? ''] ?? fail('unknown escape');
      else out += src[i];
    }
    i++;
    return out;
  }
  function atom(): string {
    skip();
    if (src[i] === "'") return literal();
    if (src[i] !== '(') return fail('expected a string or "("');
    i++;
    const v = sum();
    skip();
    if (src[i] !== ')') fail('expected ")"');
    i++;
    return v;
  }
  function product(): string {
    let v = atom();
    for (skip(); src[i] === '*'; skip()) {
      i++;
      skip();
      const n = /^\d+/.exec(src.slice(i))?.[0] ?? fail('expected a count');
      i += n.length;
      v = v.repeat(Number(n));
    }
    return v;
  }
  function sum(): string {
    let v = product();
    for (skip(); src[i] === '+'; skip()) {
      i++;
      v += product();
    }
    return v;
  }
  const v = sum();
  skip();
  if (i !== src.length) fail('trailing text');
  return v;
}

// ---- The driver: bytes in, replies out, as connection.ts does it ----

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Connection {
  readonly h: SessionHarness;
  readonly messages: string[] = [];
  private readonly lines = new LineReader(Math.max(MAX_LINE, AUTH_LINE_LIMIT));
  private dot: { reader: DotReader; body: Buffer[] } | null = null;
  private read = 0;

  constructor(tls: boolean) {
    this.h = new SessionHarness({
      tls: tls ? TEST_TLS : null,
      config: { ...CONFIG, role: tls ? 'submissions' : 'mx' },
      directory: fakeDirectory({ testserver: ['user'] }, { 'user@testserver': ['user@testserver'] }),
      auth: (c) => (c.kind === 'password' && c.user === 'user@testserver' && c.password === 'secretpassword' ? { ok: true, user: c.user } : { ok: false }),
      dataResult: 'manual',
    });
    this.h.greet();
  }

  get closed(): boolean {
    return this.h.closed;
  }

  send(bytes: Buffer): void {
    if (this.closed) return; // the server hung up; the bytes go nowhere
    this.lines.push(bytes);
    this.pump();
  }

  /** The next reply not yet read, or undefined. */
  next(): Reply | undefined {
    return this.h.replies[this.read++];
  }

  get unread(): number {
    return this.h.replies.length - this.read;
  }

  private pump(): void {
    while (!this.closed) {
      if (this.dot) {
        const rest = this.lines.take();
        if (rest.length === 0) return;
        this.feedData(rest);
        continue;
      }
      const ev = this.lines.next();
      if (ev === null) return;
      this.h.input(this.toInput(ev));
      if (this.h.awaitingData) {
        this.h.awaitingData = false;
        this.dot = { reader: new DotReader(CONFIG.maxMessageSize), body: [] };
      }
    }
  }

  private feedData(chunk: Buffer): void {
    const dot = this.dot!;
    const r = dot.reader.feed(chunk);
    if (!dot.reader.tooBig) dot.body.push(...r.chunks);
    if (r.status === 'more') return;
    this.dot = null;
    const result = r.status === 'end' ? (dot.reader.tooBig ? 'too-big' : 'ok') : 'bare-newline';
    if (result === 'ok') this.messages.push(Buffer.concat(dot.body).toString('utf8'));
    const rest = chunk.subarray(r.consumed);
    if (rest.length > 0) this.lines.push(rest);
    this.h.input({ type: 'data-end', result });
  }

  private toInput(ev: LineEvent): SessionInput {
    if (ev.kind !== 'line') return { type: 'bad-line', reason: ev.kind };
    const auth = /^auth /i.test(ev.line.subarray(0, 5).toString('latin1'));
    if (this.h.state.phase.kind === 'command' && ev.line.length + 2 > MAX_LINE && !auth) return { type: 'bad-line', reason: 'too-long' };
    try {
      return { type: 'line', line: utf8.decode(ev.line) };
    } catch {
      return { type: 'bad-line', reason: 'invalid-utf8' };
    }
  }
}

/** Run one script; return every connection it opened. */
function replay(file: string): Connection[] {
  const script = parseScript(readFileSync(join(DIR, file), 'utf8'));
  const conns: Connection[] = [];
  let c: Connection | null = null;
  for (const { no, text, step } of script) {
    const where = `${file}:${no}: ${text.slice(0, 80)}`;
    const o = override(file, no, text);
    switch (step.op) {
      case 'connect':
        c = new Connection(step.tls);
        conns.push(c);
        break;
      case 'close':
        c = null;
        break;
      case 'send':
        assert.ok(c, `${where}: not connected`);
        c.send(step.bytes);
        if (o?.then !== undefined) {
          assert.equal(c.next()?.code, o.reply, `${where} (override: ${o.reason})`);
          c.send(Buffer.from(`${o.then}\r\n`));
        }
        break;
      case 'expect':
        assert.ok(c, `${where}: not connected`);
        if (o?.codes) {
          for (const code of o.codes) assert.equal(c.next()?.code, code, `${where} (override: ${o.reason})`);
          if (o.codes.length === 0) assert.ok(c.closed && c.unread === 0, `${where}: expected a silent close`);
          break;
        }
        expectReply(c.next(), step, where);
        break;
    }
  }
  return conns;
}

function expectReply(r: Reply | undefined, step: Extract<Step, { op: 'expect' }>, where: string): void {
  assert.ok(r, `${where}: no reply`);
  assert.ok(String(r.code).startsWith(step.code), `${where}: got ${r.code} ${r.enhanced ?? ''} ${r.lines.join(' | ')}`);
  if (step.multiLast !== undefined) assert.equal(r.lines.at(-1), step.multiLast, where);
}

// ---- The tests ----

const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.cmy'))
  .sort();

test('the dialogue scripts are there', () => {
  assert.ok(FILES.length >= 17, `found ${FILES.length} scripts in ${DIR}`);
});

test('the byte expressions of "c ~>"', () => {
  assert.equal(pyString("'.\\n'"), '.\n');
  assert.equal(pyString("'xxx\\r\\n.\\r\\n'"), 'xxx\r\n.\r\n');
  assert.equal(pyString("'b' * 3 + '\\r\\n'"), 'bbb\r\n');
  assert.equal(pyString("('a' * 2 + '\\r\\n') * 2"), 'aa\r\naa\r\n');
  assert.equal(pyString("'it\\'s'"), "it's");
  assert.throws(() => pyString("'open"));
  assert.throws(() => pyString("'a' * x"));
  assert.throws(() => pyString("'a' 'b'"));
});

for (const file of FILES) {
  test(`dialog ${file}`, () => {
    replay(file);
  });
}

test('dot stuffing reaches the stored message unstuffed', () => {
  const [conn] = replay('chasquid-data_dot_stuffing.cmy');
  assert.deepEqual(conn!.messages, [
    'From: Mailer daemon <somewhere@horns.com>\r\n' +
      "Subject: I've come to haunt you\r\n" +
      '\r\n' +
      'Muahahahaha\r\n' +
      '\r\n' +
      '.x\r\n' +
      '\r\n' +
      '.\r\n' +
      '\r\n' +
      'This is stuffy.\r\n' +
      '\r\n',
  ]);
});

test('a smuggling attempt stores nothing and ends the connection', () => {
  for (const file of ['chasquid-bad_data_dot.cmy', 'chasquid-bad_data_dot_2.cmy', 'chasquid-bad_data_dot_on_message_too_big.cmy']) {
    const conns = replay(file);
    assert.ok(conns.every((c) => c.messages.length === 0 && c.h.stored.length === 0), file);
    assert.ok(conns.at(-1)!.closed, file);
  }
});

test('every override was needed', () => {
  const stale = OVERRIDES.filter((o) => !used.has(o)).map((o) => `${o.file}:${o.line}`);
  assert.deepEqual(stale, []);
});
