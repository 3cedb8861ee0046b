// PIPELINING: replies come in order whether commands arrive in one segment or one byte at a time,
// and nothing pipelined behind STARTTLS survives into the TLS session (command injection).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit, type Reply } from '../kit/raw-smtp.js';
import { plainResponse } from '../kit/auth.js';
import { buildMessage, dotStuff, onlyFrom, queuedFrom, tag } from '../kit/mail.js';
import { runPython, swaks } from '../kit/peers.js';
import { describeRun } from '../kit/tools.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10 } });
});
after(async () => {
  await p?.dispose();
});

async function readN(c: RawSmtp, n: number): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read());
  return out;
}

const codes = (rs: Reply[]) => rs.map((r) => r.code);

/** Writes `data` one byte per write, letting the event loop run between bytes (separate segments). */
async function writeByteByByte(c: RawSmtp, data: Buffer): Promise<void> {
  for (let i = 0; i < data.length; i++) {
    await c.write(data.subarray(i, i + 1));
    await tick();
  }
}

describe('pipelined commands', () => {
  test('one segment: MAIL, three RCPTs and DATA are answered in order', async () => {
    const from = `${tag('pipe')}@remote.test`;
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.write(
      `MAIL FROM:<${from}>\r\nRCPT TO:<postmaster@local.test>\r\nRCPT TO:<nobody@local.test>\r\n` +
        'RCPT TO:<abuse@local.test>\r\nDATA\r\n',
    );
    const rs = await readN(c, 5);
    assert.deepEqual(codes(rs), [250, 250, 550, 250, 354], rs.map((r) => r.raw).join(''));
    await c.write(dotStuff(buildMessage({ from, to: 'postmaster@local.test', subject: 'pipelined' })));
    await c.expect('250');
    await quit(c);
    const m = await onlyFrom(p, from);
    assert.deepEqual(m.recipients.map((r) => r.address), ['postmaster@local.test', 'abuse@local.test']);
  });

  test('a whole session, message and QUIT in one write', async () => {
    const from = `${tag('pipe-all')}@remote.test`;
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    const msg = dotStuff(buildMessage({ from, to: 'bob@local.test', subject: 'all at once' }));
    await c.write(`EHLO client.test\r\nMAIL FROM:<${from}>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n${msg}NOOP\r\nQUIT\r\n`);
    const rs = await readN(c, 6);
    assert.deepEqual(codes(rs), [250, 250, 250, 354, 250, 250], rs.map((r) => r.raw).join(''));
    await c.expect('221');
    assert.ok(await c.waitClosed(5000));
    await onlyFrom(p, from);
  });

  test('split at every byte: same replies, same message', async () => {
    const from = `${tag('bytes')}@remote.test`;
    const c = await RawSmtp.connect(p.ports.mx);
    await c.expect('220');
    const body = buildMessage({ from, to: 'bob@local.test', subject: 'byte by byte', body: 'line one\r\n..dot line\r\nlast' });
    const session = `EHLO client.test\r\nMAIL FROM:<${from}>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n${dotStuff(body)}RSET\r\nQUIT\r\n`;
    await writeByteByByte(c, Buffer.from(session));
    const rs = await readN(c, 7);
    assert.deepEqual(codes(rs), [250, 250, 250, 354, 250, 250, 221], rs.map((r) => r.raw).join(''));
    await onlyFrom(p, from);
  });

  test('split at every byte on submission with AUTH in TLS', async () => {
    const from = `${tag('bytes-sub')}@example.test`;
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    await c.cmd('STARTTLS', '220');
    await c.startTls();
    const session =
      `EHLO client.test\r\nAUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}\r\n` +
      `MAIL FROM:<${from}>\r\nRCPT TO:<ivy@far-away.test>\r\nDATA\r\n` +
      dotStuff(buildMessage({ from, to: 'ivy@far-away.test', subject: 'tls bytes' })) +
      'QUIT\r\n';
    await writeByteByByte(c, Buffer.from(session));
    const rs = await readN(c, 7);
    assert.deepEqual(codes(rs), [250, 235, 250, 250, 354, 250, 221], rs.map((r) => r.raw).join(''));
    await onlyFrom(p, from);
  });

  test('python smtplib sends MAIL/RCPT/DATA as one group', async () => {
    const from = `${tag('py-pipe')}@remote.test`;
    const out = await runPython({
      port: p.ports.mx,
      pipeline: true,
      mail: { from, to: ['postmaster@local.test', 'bob@local.test'], body: buildMessage({ from, to: 'bob@local.test', subject: 'py pipe' }) },
    });
    assert.ok(out.features?.includes('PIPELINING'), JSON.stringify(out));
    assert.deepEqual(out.pipeline?.map((r) => r[0]), [250, 250, 250, 354], JSON.stringify(out));
    assert.equal(out.data?.[0], 250, JSON.stringify(out));
    await onlyFrom(p, from);
  });

  test('swaks --pipeline', async () => {
    const from = `${tag('swaks-pipe')}@remote.test`;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--pipeline', '--from', from, '--to', 'abuse@local.test']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /PIPELINING/);
    await onlyFrom(p, from);
  });
});

describe('STARTTLS command injection', () => {
  for (const key of ['submission', 'mx'] as const) {
    test(`${key}: RSET pipelined with STARTTLS is discarded`, async () => {
      const c = await RawSmtp.connect(p.ports[key]);
      await c.hello();
      await c.write('STARTTLS\r\nRSET\r\n');
      await c.expect('220', 'STARTTLS');
      await c.startTls();
      assert.equal(c.plaintextLeftover.length, 0, `plaintext after 220: ${JSON.stringify(c.plaintextLeftover.toString())}`);
      await c.send('EHLO client.test');
      const first = await c.read();
      assert.equal(first.code, 250, first.raw);
      assert.ok(first.lines.length > 1 && first.lines[0]!.startsWith('mail.petrel.test'), `first reply in TLS is not the EHLO reply: ${JSON.stringify(first.raw)}`);
      await c.cmd('NOOP', '250');
      await quit(c);
    });
  }

  test('mx: a MAIL pipelined with STARTTLS does not open a transaction', async () => {
    const evil = `${tag('inject')}@evil.test`;
    const c = await RawSmtp.connect(p.ports.mx);
    await c.hello();
    await c.write(`STARTTLS\r\nMAIL FROM:<${evil}>\r\n`);
    await c.expect('220', 'STARTTLS');
    await c.startTls();
    await c.hello('client.test', false);
    await c.cmd('RCPT TO:<postmaster@local.test>', '503');
    await quit(c);
    assert.equal((await queuedFrom(p, evil)).length, 0);
  });

  test('submission: an AUTH pipelined with STARTTLS is not honoured', async () => {
    const c = await RawSmtp.connect(p.ports.submission);
    await c.hello();
    await c.write(`STARTTLS\r\nAUTH PLAIN ${plainResponse(ALICE.user, ALICE.password)}\r\n`);
    await c.expect('220', 'STARTTLS');
    await c.startTls();
    await c.hello('client.test', false);
    await c.cmd(`MAIL FROM:<${ALICE.user}>`, '530');
    await quit(c);
  });
});
