// DATA as a hostile client sends it: only <CRLF>.<CRLF> ends a message, bare CR/LF are refused,
// smuggling variants never let a second message through; plus dot-unstuffing, SIZE, 8BITMIME, SMTPUTF8.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { smugglingSuite } from '../kit/smuggle.js';
import { RawSmtp, quit } from '../kit/raw-smtp.js';
import { buildMessage, dotStuff, onlyFrom, openSession, queuedFrom, sendMail, tag } from '../kit/mail.js';
import { runPython } from '../kit/peers.js';
import { readStoredBody } from '../kit/store.js';

const MAX = 100_000;
let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, limits: { maxMessageSize: MAX } });
});
after(async () => {
  await p?.dispose();
});

describe('end of data and smuggling', () => {
  smugglingSuite(() => p, (name) => `${name} neither ends the message nor smuggles a second one`);

  test('a bare LF inside DATA is refused with 5xx and nothing is queued', async () => {
    const from = `${tag('bare-lf')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}>`, '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write(`Subject: lf\r\n\r\nline one\nline two\r\n.\r\n`);
    const r = await c.read();
    assert.ok(r.code >= 500 && r.code < 600, `reply to data with a bare LF: ${JSON.stringify(r.raw)}`);
    c.close();
    assert.equal((await queuedFrom(p, from)).length, 0);
  });

  test('a bare CR inside DATA is refused with 5xx and nothing is queued', async () => {
    const from = `${tag('bare-cr')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}>`, '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write(`Subject: cr\r\n\r\nline one\rline two\r\n.\r\n`);
    const r = await c.read();
    assert.ok(r.code >= 500 && r.code < 600, `reply to data with a bare CR: ${JSON.stringify(r.raw)}`);
    c.close();
    assert.equal((await queuedFrom(p, from)).length, 0);
  });

  test('a command ended by a bare LF is refused with 5xx', async () => {
    const c = await openSession(p.ports.mx);
    await c.write('NOOP\n');
    const r = await c.read();
    assert.ok(r.code >= 500 && r.code < 600, `reply to "NOOP\\n": ${JSON.stringify(r.raw)}`);
    c.close();
  });

  test('a bare CR inside a command is refused with 5xx', async () => {
    const c = await openSession(p.ports.mx);
    await c.write('MAIL FROM:<a@remote.test>\rRCPT TO:<postmaster@local.test>\r\n');
    const r = await c.read();
    assert.ok(r.code >= 500 && r.code < 600, `reply to a command with a bare CR: ${JSON.stringify(r.raw)}`);
    c.close();
  });
});

describe('message content', () => {
  test('dot-unstuffing: "..x" is stored as ".x"', async () => {
    const from = `${tag('dots')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}>`, '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write(`From: <${from}>\r\nSubject: dots\r\n\r\n..x\r\n...y\r\n..\r\nend\r\n.\r\n`);
    await c.expect('250');
    await quit(c);
    const body = readStoredBody(p.dataDir, (await onlyFrom(p, from)).id).toString('utf8');
    assert.ok(body.endsWith('\r\n\r\n.x\r\n..y\r\n.\r\nend\r\n'), `stored body: ${JSON.stringify(body)}`);
  });

  test('the body is stored byte for byte after the added headers', async () => {
    const from = `${tag('exact')}@remote.test`;
    const msg = buildMessage({ from, to: 'bob@local.test', subject: 'exact', body: 'a\r\n\tb  \r\n\r\n\r\nc' });
    const c = await openSession(p.ports.mx);
    await sendMail(c, from, ['bob@local.test'], msg);
    await quit(c);
    const m = await onlyFrom(p, from);
    const body = readStoredBody(p.dataDir, m.id).toString('utf8');
    assert.ok(body.endsWith(msg), `stored body does not end with the message: ${JSON.stringify(body)}`);
  });
});

describe('SIZE', () => {
  test(`EHLO advertises SIZE ${MAX}`, async () => {
    const c = await RawSmtp.connect(p.ports.mx);
    const kw = await c.hello();
    assert.ok(kw.includes(`SIZE ${MAX}`), JSON.stringify(kw));
    await quit(c);
  });

  test('SIZE= above the limit at MAIL: 552 5.3.4; below: 250', async () => {
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<a@remote.test> SIZE=${MAX + 1}`, '552 5.3.4');
    await c.cmd('MAIL FROM:<a@remote.test> SIZE=1000', '250');
    await quit(c);
  });

  test('a message over the limit gets 552 5.3.4 after the end of data, and the session goes on', async () => {
    const from = `${tag('big')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}>`, '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('DATA', '354');
    const line = 'x'.repeat(998) + '\r\n';
    await c.write(`Subject: big\r\n\r\n${line.repeat(Math.ceil((MAX * 1.5) / line.length))}.\r\n`);
    await c.expect('552 5.3.4', 'end of an oversized message');
    await c.cmd('NOOP', '250');
    const ok = buildMessage({ from, to: 'postmaster@local.test', subject: 'small after big' });
    await sendMail(c, from, ['postmaster@local.test'], ok);
    await quit(c);
    const m = await onlyFrom(p, from);
    assert.ok(readStoredBody(p.dataDir, m.id).toString().includes('small after big'));
  });
});

describe('8BITMIME and SMTPUTF8', () => {
  test('BODY=8BITMIME with 8-bit content is accepted and recorded', async () => {
    const from = `${tag('8bit')}@remote.test`;
    const c = await openSession(p.ports.mx);
    const msg = buildMessage({ from, to: 'bob@local.test', subject: 'Grüße', body: 'Größe: 8 bits – ok' });
    await sendMail(c, from, ['bob@local.test'], msg, 'BODY=8BITMIME');
    await quit(c);
    const m = await onlyFrom(p, from);
    assert.equal((await p.queueShow(m.id)).envelope.body, '8BITMIME');
    assert.ok(readStoredBody(p.dataDir, m.id).includes(Buffer.from('Größe: 8 bits – ok')));
  });

  test('BODY=7BIT is recorded; an unknown BODY value is refused', async () => {
    const from = `${tag('7bit')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}> BODY=FOO`, '5');
    await sendMail(c, from, ['bob@local.test'], buildMessage({ from, to: 'bob@local.test', subject: '7' }), 'BODY=7BIT');
    await quit(c);
    assert.equal((await p.queueShow((await onlyFrom(p, from)).id)).envelope.body, '7BIT');
  });

  test('MAIL FROM:<üser@example.test> SMTPUTF8 is accepted on mx and recorded', async () => {
    const local = tag('üser');
    const from = `${local}@example.test`;
    const c = await openSession(p.ports.mx);
    const msg = buildMessage({ from, to: 'jörg@catchall.test', subject: 'ünïcödé' });
    await sendMail(c, from, ['jörg@catchall.test'], msg, 'SMTPUTF8');
    await quit(c);
    const m = await onlyFrom(p, from);
    const d = await p.queueShow(m.id);
    assert.equal(d.envelope.smtputf8, true);
    assert.deepEqual(d.envelope.recipients.map((r) => r.address), ['jörg@catchall.test']);
  });

  test('non-ASCII addresses without SMTPUTF8: 553 5.6.7', async () => {
    const c = await openSession(p.ports.mx);
    await c.cmd('MAIL FROM:<üser@example.test>', '553 5.6.7');
    await c.cmd('MAIL FROM:<plain@remote.test>', '250');
    await c.cmd('RCPT TO:<jörg@catchall.test>', '553 5.6.7');
    await quit(c);
  });

  test('python smtplib with SMTPUTF8 on mx', async () => {
    const from = `${tag('pÿ')}@remote.test`;
    const out = await runPython({
      port: p.ports.mx,
      mail: {
        from,
        to: ['ångström@catchall.test'],
        body: buildMessage({ from, to: 'ångström@catchall.test', subject: 'smtplib utf8' }),
        mail_options: ['SMTPUTF8', 'BODY=8BITMIME'],
      },
    });
    assert.equal(out.error, undefined, JSON.stringify(out));
    assert.deepEqual(out.sent?.refused, {});
    const d = await p.queueShow((await onlyFrom(p, from)).id);
    assert.equal(d.envelope.smtputf8, true);
  });

  test('python smtplib with SMTPUTF8 on submission: alice sends as a non-ASCII example.test address', async () => {
    const from = `${tag('ünï')}@example.test`;
    const out = await runPython({
      port: p.ports.submission,
      mode: 'starttls',
      auth: { mech: 'PLAIN', user: ALICE.user, password: ALICE.password },
      mail: {
        from,
        to: ['zoë@far-away.test'],
        body: buildMessage({ from, to: 'zoë@far-away.test', subject: 'utf8 submission' }),
        mail_options: ['SMTPUTF8'],
      },
    });
    assert.equal(out.error, undefined, JSON.stringify(out));
    await onlyFrom(p, from);
  });
});

describe('dot-stuffing helper sanity', () => {
  test('dotStuff doubles leading dots only', () => {
    assert.equal(dotStuff('.a\r\nb.\r\n'), '..a\r\nb.\r\n.\r\n');
  });
});
