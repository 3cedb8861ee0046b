import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { MessageWriter } from './ports.js';
import { TraceWriter, type HeaderFixups } from './trace-writer.js';

const TRACE = 'Received: from c ([192.0.2.1])\r\n\tby mx (Petrel) with ESMTPSA id Q1;\r\n\tSat, 28 Nov 2026 17:21:41 +0000\r\n';
const FIX: HeaderFixups = { date: 'Sat, 28 Nov 2026 17:21:41 +0000', messageId: '<Q1@mx.example.test>' };
const ADDED = `Date: ${FIX.date}\r\nMessage-ID: ${FIX.messageId}\r\n`;

class Sink implements MessageWriter {
  readonly id = 'Q1';
  parts: Buffer[] = [];
  committed = false;
  aborted = false;
  write(chunk: Buffer): void {
    this.parts.push(Buffer.from(chunk));
  }
  contents(): Readable {
    return Readable.from(this.parts);
  }
  rewriteHeader(fn: (header: Buffer) => Buffer): void {
    this.parts = [fn(Buffer.concat(this.parts))]; // a fake: the whole message stands for the header
  }
  commit(): Promise<string> {
    this.committed = true;
    return Promise.resolve(this.id);
  }
  abort(): void {
    this.aborted = true;
  }
  get text(): string {
    return Buffer.concat(this.parts).toString('latin1');
  }
}

/** Write the message in the given pieces, commit, and return what reached the inner writer. */
async function through(pieces: string[], fixups: HeaderFixups | null = FIX): Promise<string> {
  const sink = new Sink();
  const w = new TraceWriter(sink, TRACE, fixups);
  for (const p of pieces) w.write(Buffer.from(p, 'latin1'));
  assert.equal(await w.commit(), 'Q1');
  assert.ok(sink.committed);
  return sink.text;
}

/** The same result however the message is cut into two pieces. */
async function atEverySplit(message: string, fixups: HeaderFixups | null = FIX): Promise<string> {
  const whole = await through([message], fixups);
  for (let i = 0; i <= message.length; i++) {
    assert.equal(await through([message.slice(0, i), message.slice(i)], fixups), whole, `split at ${i}`);
  }
  assert.equal(await through([...message], fixups), whole, 'byte by byte');
  return whole;
}

test('the trace header comes first, even with no fixing (mx)', async () => {
  const msg = 'Subject: hi\r\n\r\nbody\r\n';
  assert.equal(await through([msg], null), TRACE + msg);
  assert.equal(await through([], null), TRACE);
});

test('Date and Message-ID are added at the end of the header section when missing', async () => {
  const got = await atEverySplit('From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n');
  assert.equal(got, `${TRACE}From: a@example.test\r\nSubject: hi\r\n${ADDED}\r\nbody\r\n`);
});

test('present fields are never added twice, in any case', async () => {
  const both = 'Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n';
  assert.equal(await atEverySplit(both), TRACE + both);
  const lower = 'date : Mon, 1 Jan 2024 00:00:00 +0000\r\nmessage-id:<x@y>\r\n\r\nbody\r\n';
  assert.equal(await atEverySplit(lower), TRACE + lower);
  const onlyDate = 'Subject: x\r\nDATE:\tMon, 1 Jan 2024 00:00:00 +0000\r\n\r\nb';
  assert.equal(await atEverySplit(onlyDate), `${TRACE}Subject: x\r\nDATE:\tMon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: ${FIX.messageId}\r\n\r\nb`);
  const onlyId = 'Message-Id: <x@y>\r\n\r\nb';
  assert.equal(await atEverySplit(onlyId), `${TRACE}Message-Id: <x@y>\r\nDate: ${FIX.date}\r\n\r\nb`);
});

test('look-alike fields and body lines do not count as present', async () => {
  const msg = 'X-Date: no\r\nResent-Message-ID: <r@y>\r\nSubject: Date: in a value\r\n message-id: folded\r\n\r\nDate: in the body\r\nMessage-ID: <body@y>\r\n';
  const got = await atEverySplit(msg);
  assert.equal(got, `${TRACE}X-Date: no\r\nResent-Message-ID: <r@y>\r\nSubject: Date: in a value\r\n message-id: folded\r\n${ADDED}\r\nDate: in the body\r\nMessage-ID: <body@y>\r\n`);
});

test('a blank line inside the body is not taken for the end of the header', async () => {
  const got = await atEverySplit('Subject: x\r\n\r\npara one\r\n\r\npara two\r\n');
  assert.equal(got, `${TRACE}Subject: x\r\n${ADDED}\r\npara one\r\n\r\npara two\r\n`);
  assert.equal(got.split('Date:').length, 2);
});

test('a message with no body', async () => {
  assert.equal(await atEverySplit('Subject: x\r\n'), `${TRACE}Subject: x\r\n${ADDED}`);
  assert.equal(await atEverySplit('Subject: x\r\n\r\n'), `${TRACE}Subject: x\r\n${ADDED}\r\n`);
  assert.equal(await atEverySplit('Subject: x'), `${TRACE}Subject: x\r\n${ADDED}`);
});

test('an empty message gets just the fields', async () => {
  assert.equal(await through([]), TRACE + ADDED);
  assert.equal(await through(['', '']), TRACE + ADDED);
});

test('a message with no header section', async () => {
  assert.equal(await atEverySplit('\r\nbody only\r\n'), `${TRACE}${ADDED}\r\nbody only\r\n`);
  assert.equal(await atEverySplit('\r\n'), `${TRACE}${ADDED}\r\n`);
});

test('a header section too big to hold is passed on unfixed', async () => {
  const big = `X-Big: ${'a'.repeat(70 * 1024)}\r\n`;
  const sink = new Sink();
  const w = new TraceWriter(sink, TRACE, FIX);
  w.write(Buffer.from(big));
  assert.equal(sink.text, TRACE + big, 'released as soon as the limit is passed');
  w.write(Buffer.from('\r\nbody\r\n'));
  await w.commit();
  assert.equal(sink.text, `${TRACE}${big}\r\nbody\r\n`);
});

test('abort reaches the inner writer and nothing held is written', () => {
  const sink = new Sink();
  const w = new TraceWriter(sink, TRACE, FIX);
  w.write(Buffer.from('Subject: held\r\n'));
  w.abort();
  assert.ok(sink.aborted);
  assert.equal(sink.text, TRACE);
});

test('id is the inner writer id', () => {
  assert.equal(new TraceWriter(new Sink(), TRACE, null).id, 'Q1');
});
