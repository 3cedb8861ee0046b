// The MX role: mail is taken only for local domains (postmaster, abuse, users, catch-all), relay
// tricks are refused with 550 5.7.1, and real clients (swaks, curl, smtplib) get their mail queued.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { RawSmtp, quit } from '../kit/raw-smtp.js';
import { buildMessage, onlyFrom, openSession, sendMail, tag } from '../kit/mail.js';
import { curl, runPython, swaks, swaksServerLines } from '../kit/peers.js';
import { describeRun } from '../kit/tools.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10 } });
});
after(async () => {
  await p?.dispose();
});

/** Opens an mx session with a transaction started, for RCPT checks. */
async function rcptSession(): Promise<RawSmtp> {
  const c = await openSession(p.ports.mx);
  await c.cmd('MAIL FROM:<sender@remote.test>', '250');
  return c;
}

describe('recipients on mx', () => {
  const accepted = [
    'postmaster@local.test',
    'abuse@local.test',
    'Postmaster@local.test',
    'bob@local.test',
    'bob@LOCAL.TEST',
    'anyone@catchall.test',
    'postmaster@catchall.test',
  ];
  for (const rcpt of accepted) {
    test(`accepts <${rcpt}>`, async () => {
      const c = await rcptSession();
      await c.cmd(`RCPT TO:<${rcpt}>`, '250');
      await quit(c);
    });
  }

  test('accepts <postmaster> without a domain (RFC 5321 4.5.1)', async () => {
    const c = await rcptSession();
    await c.cmd('RCPT TO:<postmaster>', '250');
    await quit(c);
  });

  test('unknown user in a local domain: 550 5.1.1', async () => {
    const c = await rcptSession();
    await c.cmd('RCPT TO:<nobody@local.test>', '550 5.1.1');
    await quit(c);
  });

  for (const rcpt of ['someone@other.test', 'alice@example.test', 'bob@local.test.other.test', 'x@sub.local.test']) {
    test(`not a local domain <${rcpt}>: 550 5.7.1`, async () => {
      const c = await rcptSession();
      await c.cmd(`RCPT TO:<${rcpt}>`, '550 5.7.1');
      await quit(c);
    });
  }

  const tricks = [
    '<u%other.test@local.test>',
    '<u%other.test@catchall.test>',
    '<@a.test:u@other.test>',
    '<@local.test:u@other.test>',
    '<"u@other.test"@local.test>',
    '<"u@other.test"@catchall.test>',
    '<other.test!u@local.test>',
    '<other.test!u@catchall.test>',
    '<u@local.test.>',
    '<u@catchall.test.>',
    '<u@[127.0.0.1]>',
    '<postmaster@[127.0.0.1]>',
  ];
  for (const t of tricks) {
    test(`relay trick ${t}: 550 5.7.1`, async () => {
      const c = await rcptSession();
      await c.cmd(`RCPT TO:${t}`, '550 5.7.1');
      await quit(c);
    });
  }

  test('AUTH is not offered and not accepted on mx', async () => {
    const c = await openSession(p.ports.mx);
    const plain = Buffer.from('\0alice@example.test\0wrong').toString('base64');
    await c.send(`AUTH PLAIN ${plain}`);
    const reply = await c.read();
    assert.ok(reply.code >= 500 && reply.code < 600, `AUTH on mx answered ${JSON.stringify(reply.raw)}`);
    await quit(c);
  });
});

describe('mail through mx', () => {
  test('raw session: null sender and two recipients are queued as inbound', async () => {
    const c = await openSession(p.ports.mx);
    const subject = tag('null-sender');
    await c.cmd('MAIL FROM:<>', '250');
    await c.cmd('RCPT TO:<postmaster@local.test>', '250');
    await c.cmd('RCPT TO:<bob@local.test>', '250');
    await c.cmd('DATA', '354');
    await c.write(buildMessage({ from: 'mailer-daemon@remote.test', to: 'bob@local.test', subject }) + '.\r\n');
    await c.expect('250', 'end of data');
    await quit(c);
    const found = (await p.queueList()).filter((m) => m.sender === '' && m.recipients.length === 2);
    assert.ok(found.length >= 1, `no null-sender message queued: ${JSON.stringify(await p.queueList())}`);
    const m = found[found.length - 1]!;
    assert.equal(m.direction, 'inbound');
    assert.deepEqual(m.recipients.map((r) => r.address).sort(), ['bob@local.test', 'postmaster@local.test']);
  });

  test('swaks delivers to postmaster', async () => {
    const from = `${tag('swaks')}@remote.test`;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', from, '--to', 'postmaster@local.test']);
    assert.equal(r.code, 0, describeRun(r));
    const m = await onlyFrom(p, from);
    assert.equal(m.direction, 'inbound');
    assert.deepEqual(m.recipients.map((x) => x.address), ['postmaster@local.test']);
  });

  test('swaks with STARTTLS on mx', async () => {
    const from = `${tag('swaks-tls')}@remote.test`;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--tls', '--from', from, '--to', 'bob@local.test']);
    assert.equal(r.code, 0, describeRun(r));
    const m = await onlyFrom(p, from);
    const d = await p.queueShow(m.id);
    assert.ok(d.envelope.tls, `envelope.tls is null after STARTTLS: ${JSON.stringify(d.envelope)}`);
    assert.equal(d.envelope.role, 'mx');
    assert.equal(d.envelope.authUser, null);
    assert.equal(d.envelope.client.address, '127.0.0.1');
    assert.equal(d.envelope.client.helo, 'peer.swaks.test');
  });

  test('swaks to a relay address is refused with 550 5.7.1 (exit 24)', async () => {
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'x@remote.test', '--to', 'victim@other.test']);
    assert.equal(r.code, 24, describeRun(r));
    assert.ok(swaksServerLines(r).some((l) => l.startsWith('550 5.7.1')), describeRun(r));
  });

  test('curl smtp:// uploads a file to mx', async () => {
    const from = `${tag('curl')}@remote.test`;
    const file = join(p.dataDir, 'curl-message.eml');
    writeFileSync(file, buildMessage({ from, to: 'abuse@local.test', subject: 'curl upload' }));
    const r = await curl([
      `smtp://127.0.0.1:${p.ports.mx}`,
      '--mail-from',
      from,
      '--mail-rcpt',
      'abuse@local.test',
      '-T',
      file,
    ]);
    assert.equal(r.code, 0, describeRun(r));
    const m = await onlyFrom(p, from);
    assert.deepEqual(m.recipients.map((x) => x.address), ['abuse@local.test']);
  });

  test('python smtplib: one good and one unknown recipient', async () => {
    const from = `${tag('py')}@remote.test`;
    const out = await runPython({
      port: p.ports.mx,
      mail: { from, to: ['bob@local.test', 'ghost@local.test'], body: buildMessage({ from, to: 'bob@local.test', subject: 'py' }) },
    });
    assert.equal(out.error, undefined, JSON.stringify(out));
    assert.equal(out.sent?.refused['ghost@local.test']?.[0], 550, JSON.stringify(out));
    const m = await onlyFrom(p, from);
    assert.deepEqual(m.recipients.map((x) => x.address), ['bob@local.test']);
  });

  test('DSN parameters are kept in the envelope', async () => {
    const from = `${tag('dsn')}@remote.test`;
    const c = await openSession(p.ports.mx);
    await c.cmd(`MAIL FROM:<${from}> RET=HDRS ENVID=env-1234`, '250');
    await c.cmd('RCPT TO:<bob@local.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@local.test', '250');
    await c.cmd('DATA', '354');
    await c.write(buildMessage({ from, to: 'bob@local.test', subject: 'dsn' }) + '.\r\n');
    await c.expect('250');
    await quit(c);
    const d = await p.queueShow((await onlyFrom(p, from)).id);
    assert.equal(d.envelope.ret, 'HDRS');
    assert.equal(d.envelope.envid, 'env-1234');
    assert.deepEqual(d.envelope.recipients[0]?.notify, ['SUCCESS', 'FAILURE']);
    assert.match(d.envelope.recipients[0]?.orcpt ?? '', /^rfc822;bob@local\.test$/i);
  });

  test('several transactions in one session', async () => {
    const from = `${tag('multi')}@remote.test`;
    const c = await openSession(p.ports.mx);
    for (let i = 0; i < 3; i++) {
      await sendMail(c, from, ['postmaster@local.test'], buildMessage({ from, to: 'postmaster@local.test', subject: `n${i}` }));
    }
    await quit(c);
    const list = (await p.queueList()).filter((m) => m.sender === from);
    assert.equal(list.length, 3);
  });
});
