import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_REPLY_LINE, MAX_REPLY_LINES, ReplyReader, type ReaderEvent } from './reply-reader.js';

/** Feed the pieces; return the events, replies as "code enhanced|lines|raw" for easy comparison. */
function read(pieces: Buffer[]): string[] {
  const r = new ReplyReader();
  const events: ReaderEvent[] = [];
  for (const p of pieces) events.push(...r.push(p));
  return events.map((e) =>
    e.kind === 'error' ? `error: ${e.text}` : `${e.reply.code} ${e.reply.enhanced}|${e.reply.lines.join('/')}|${e.lines.join('/')}`,
  );
}

const once = (s: string) => read([Buffer.from(s, 'utf8')]);

/** Every two-way split, and a byte-by-byte feed, give the one-feed result. */
function assertSplitInvariant(s: string): void {
  const b = Buffer.from(s, 'utf8');
  const whole = read([b]);
  for (let i = 0; i <= b.length; i++) assert.deepEqual(read([b.subarray(0, i), b.subarray(i)]), whole, `${JSON.stringify(s)} split at ${i}`);
  assert.deepEqual(read([...b].map((x) => Buffer.from([x]))), whole, `${JSON.stringify(s)} byte by byte`);
}

test('single and multi-line replies, with and without enhanced codes', () => {
  assert.deepEqual(once('220 mx.test ESMTP\r\n'), ['220 null|mx.test ESMTP|220 mx.test ESMTP']);
  assert.deepEqual(once('250-mx.test\r\n250-PIPELINING\r\n250 SIZE 100\r\n'), [
    '250 null|mx.test/PIPELINING/SIZE 100|250-mx.test/250-PIPELINING/250 SIZE 100',
  ]);
  assert.deepEqual(once('550 5.1.1 No such user\r\n'), ['550 5.1.1|No such user|550 5.1.1 No such user']);
  assert.deepEqual(once('250 2.0.0 a\r\n354 go\r\n'), ['250 2.0.0|a|250 2.0.0 a', '354 null|go|354 go']);
});

test('a reply is only complete with its last line', () => {
  const r = new ReplyReader();
  assert.deepEqual(r.push(Buffer.from('250-one\r\n250-two\r\n')), []);
  assert.equal(r.idle, false);
  const [ev] = r.push(Buffer.from('250 three\r\n'));
  assert.equal(ev?.kind, 'reply');
  assert.equal(r.idle, true);
});

test('split at every byte: CRLFs, multi-line replies and UTF-8 text', () => {
  assertSplitInvariant('220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250 DSN\r\n');
  assertSplitInvariant('550 5.1.1 Ünknown üser ✉\r\n421 4.3.2 bye\r\n');
  assertSplitInvariant('250-a\r\n250 b\r\n250-\r\n250 \r\n250\r\n');
});

test('bare LF line ends from a peer are tolerated', () => {
  assert.deepEqual(once('250-a\n250 b\n'), ['250 null|a/b|250-a/250 b']);
});

test('malformed lines and mixed codes are protocol errors, and the reader stays dead', () => {
  for (const bad of ['hello\r\n', '25\r\n', '600 x\r\n', '199 x\r\n', '250x\r\n', '\r\n', '250-a\r\n251 b\r\n']) {
    const out = once(bad + '250 ok\r\n');
    assert.equal(out.length, 1, JSON.stringify(bad));
    assert.match(out[0]!, /^error: protocol error: malformed/, JSON.stringify(bad));
  }
});

test('a reply line over the limit is a protocol error, even before its line end arrives', () => {
  const long = '250 ' + 'x'.repeat(MAX_REPLY_LINE);
  assert.match(once(long)[0]!, /longer than 4096 bytes/);
  assert.deepEqual(once('250 ' + 'x'.repeat(MAX_REPLY_LINE - 4) + '\r\n').length, 1);
  assert.match(once('250 ' + 'x'.repeat(MAX_REPLY_LINE - 4) + '\r\n')[0]!, /^250/);
  assert.match(read([Buffer.from(long.slice(0, 3000)), Buffer.from(long.slice(3000))])[0]!, /longer than/);
});

test('a reply with too many lines is a protocol error', () => {
  const ok = '250-x\r\n'.repeat(MAX_REPLY_LINES - 1) + '250 end\r\n';
  assert.match(once(ok)[0]!, /^250/);
  const tooMany = '250-x\r\n'.repeat(MAX_REPLY_LINES) + '250 end\r\n';
  assert.deepEqual(once(tooMany), [`error: protocol error: reply longer than ${MAX_REPLY_LINES} lines`]);
});
