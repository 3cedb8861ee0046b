// CHUNKING/BINARYMIME: BDAT takes exactly n bytes, binary-safe, LAST ends the message, the size
// limit applies, rejected chunks are still consumed, and DATA and BDAT do not mix (503).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { quit } from '../kit/raw-smtp.js';
import { onlyFrom, openSession, queuedFrom, tag } from '../kit/mail.js';
import { readStoredBody } from '../kit/store.js';

const MAX = 100_000;
let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, limits: { maxMessageSize: MAX } });
});
after(async () => {
  await p?.dispose();
});

async function transaction(from: string, params = '') {
  const c = await openSession(p.ports.mx);
  await c.cmd(`MAIL FROM:<${from}>${params}`, '250');
  await c.cmd('RCPT TO:<postmaster@local.test>', '250');
  return c;
}

describe('BDAT', () => {
  test('two chunks, the second LAST, are stored in order', async () => {
    const from = `${tag('bdat')}@remote.test`;
    const c = await transaction(from);
    const part1 = `From: <${from}>\r\nSubject: chunks\r\n\r\nfirst `;
    const part2 = 'second\r\n';
    await c.write(`BDAT ${Buffer.byteLength(part1)}\r\n${part1}`);
    await c.expect('250', 'first chunk');
    await c.write(`BDAT ${Buffer.byteLength(part2)} LAST\r\n${part2}`);
    await c.expect('250', 'last chunk');
    await quit(c);
    const body = readStoredBody(p.dataDir, (await onlyFrom(p, from)).id).toString();
    assert.ok(body.endsWith(part1 + part2), JSON.stringify(body));
  });

  test('binary content with BODY=BINARYMIME is stored exactly (CRLF.CRLF, bare LF, NUL, 0xFF)', async () => {
    const from = `${tag('binary')}@remote.test`;
    const c = await transaction(from, ' BODY=BINARYMIME');
    const head = Buffer.from(`From: <${from}>\r\nSubject: binary\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const bin = Buffer.concat([Buffer.from('a\r\n.\r\nb\nc\rd\0e'), Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x2e, 0x0d]), Buffer.from('\r\n')]);
    const whole = Buffer.concat([head, bin]);
    await c.write(Buffer.concat([Buffer.from(`BDAT ${whole.length} LAST\r\n`), whole]));
    await c.expect('250', 'binary chunk');
    await quit(c);
    const m = await onlyFrom(p, from);
    const stored = readStoredBody(p.dataDir, m.id);
    assert.ok(stored.subarray(stored.length - whole.length).equals(whole), `stored tail: ${JSON.stringify(stored.toString('latin1'))}`);
    assert.equal((await p.queueShow(m.id)).envelope.body, 'BINARYMIME');
  });

  test('BDAT 0 LAST ends a message', async () => {
    const from = `${tag('bdat0')}@remote.test`;
    const c = await transaction(from);
    const part = `Subject: zero last\r\n\r\nbody\r\n`;
    await c.write(`BDAT ${part.length}\r\n${part}`);
    await c.expect('250');
    await c.cmd('BDAT 0 LAST', '250');
    await quit(c);
    await onlyFrom(p, from);
  });

  test('MAIL, RCPT and BDAT pipelined in one write', async () => {
    const from = `${tag('bdat-pipe')}@remote.test`;
    const c = await openSession(p.ports.mx);
    const part = `Subject: pipelined bdat\r\n\r\nhi\r\n`;
    await c.write(`MAIL FROM:<${from}>\r\nRCPT TO:<bob@local.test>\r\nBDAT ${part.length} LAST\r\n${part}NOOP\r\n`);
    for (const want of ['250', '250', '250', '250']) await c.expect(want);
    await quit(c);
    await onlyFrom(p, from);
  });

  test('a chunk split over many writes, with a chunk size cutting a line', async () => {
    const from = `${tag('bdat-split')}@remote.test`;
    const c = await transaction(from);
    const text = `Subject: split\r\n\r\n${'0123456789'.repeat(500)}\r\n`;
    const cut = 1234;
    await c.write(`BDAT ${cut}\r\n`);
    for (let i = 0; i < cut; i += 100) await c.write(text.slice(i, Math.min(cut, i + 100)));
    await c.expect('250');
    await c.write(`BDAT ${text.length - cut} LAST\r\n${text.slice(cut)}`);
    await c.expect('250');
    await quit(c);
    const body = readStoredBody(p.dataDir, (await onlyFrom(p, from)).id).toString();
    assert.ok(body.endsWith(text));
  });

  test('over the size limit: 552 5.3.4, the chunk is consumed and the session goes on', async () => {
    const from = `${tag('bdat-big')}@remote.test`;
    const evil = `${tag('bdat-evil')}@evil.test`;
    const c = await transaction(from);
    const filler = `MAIL FROM:<${evil}>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\nx\r\n.\r\n`;
    const chunk = filler.repeat(Math.ceil((MAX * 1.5) / filler.length));
    await c.write(`BDAT ${chunk.length} LAST\r\n${chunk}`);
    await c.expect('552 5.3.4', 'oversized BDAT');
    await c.cmd('HELP', '214');
    await quit(c);
    assert.equal((await queuedFrom(p, from)).length, 0);
    assert.equal((await queuedFrom(p, evil)).length, 0, 'bytes of a rejected chunk were run as commands');
  });

  test('BDAT without a transaction: 503, and its bytes are not run as commands', async () => {
    const c = await openSession(p.ports.mx);
    await c.write('BDAT 6\r\nNOOP\r\n');
    await c.expect('503', 'BDAT without MAIL');
    await c.cmd('HELP', '214');
    await quit(c);
  });

  test('DATA after BDAT: 503', async () => {
    const from = `${tag('mix1')}@remote.test`;
    const c = await transaction(from);
    await c.write('BDAT 5\r\nhello');
    await c.expect('250');
    await c.cmd('DATA', '503');
    await quit(c);
    assert.equal((await queuedFrom(p, from)).length, 0);
  });

  test('DATA with BODY=BINARYMIME: 503', async () => {
    const c = await transaction(`${tag('mix2')}@remote.test`, ' BODY=BINARYMIME');
    await c.cmd('DATA', '503');
    await quit(c);
  });

  test('malformed BDAT: 501', async () => {
    const c = await transaction(`${tag('bdat-bad')}@remote.test`);
    await c.cmd('BDAT abc', '501');
    await c.cmd('BDAT', '501');
    await quit(c);
  });
});
