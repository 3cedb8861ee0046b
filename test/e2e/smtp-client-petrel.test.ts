// The outbound SMTP client against Petrel's own server over loopback: STARTTLS with certificate
// checks, implicit TLS, AUTH (PLAIN, LOGIN, CRAM-MD5, XOAUTH2), BDAT, SIZE, per-recipient replies, UTF-8.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { codes, message, open, session, writeNumberOf, writeOf } from '../kit/client.js';
import { HOSTNAME } from '../kit/config.js';
import { buildMessage, onlyFrom, tag } from '../kit/mail.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { readStoredBody } from '../kit/store.js';

describe("against Petrel's own server", () => {
  let p: Petrel;
  before(async () => {
    p = await startPetrel({ log: { level: 'warn' }, limits: { maxMessageSize: 1_000_000, maxRecipients: 3 }, auth: { failureDelayMs: 10, maxFailuresPerIp: 1000 } });
  });
  after(async () => {
    await p?.dispose();
  });

  const verified = () => ({ mode: 'required' as const, verify: true, servername: HOSTNAME, ca: [p.ca().toString()] });

  /** The stored body of the one message from `sender` must end with exactly `sent` after Petrel's trace headers. */
  async function assertStored(sender: string, sent: Buffer): Promise<string> {
    const m = await onlyFrom(p, sender);
    const stored = readStoredBody(p.dataDir, m.id);
    assert.ok(stored.subarray(stored.length - sent.length).equals(sent), `stored tail differs: ${JSON.stringify(stored.subarray(-200).toString('latin1'))}`);
    assert.match(stored.subarray(0, stored.length - sent.length).toString('latin1'), /^Received: /);
    return m.id;
  }

  test('STARTTLS verified against the test CA, then pipelined BDAT in chunks, stored byte-exact', async () => {
    const { s, log } = await session({ port: p.ports.mx, tls: verified() });
    assert.equal(s.info.tls?.authorized, true);
    assert.match(s.info.tls?.protocol ?? '', /^TLSv1\.[23]$/);
    assert.ok(!s.info.extensions.has('STARTTLS'), 'EHLO again after TLS');
    assert.ok(s.info.extensions.has('CHUNKING'));
    const sender = `${tag('bdat')}@remote.test`;
    const line = 'The quick brown fox jumps over the lazy dog; .dots. and more text to fill the line.\r\n';
    const body = Buffer.from(`From: <${sender}>\r\nSubject: big\r\n\r\n.first\r\n${line.repeat(7000)}`);
    const r = await s.send(message(sender, ['bob@local.test', 'postmaster@local.test'], body));
    assert.deepEqual(codes(r.recipients), ['250 2.0.0', '250 2.0.0']);
    assert.equal(r.chunking, true);
    assert.deepEqual(writeOf(log, writeNumberOf(log, 'MAIL')).length, 3, 'MAIL and both RCPTs in one write');
    assert.deepEqual(log.filter(([d, l]) => d === 'C' && l.startsWith('BDAT')).map(([, l]) => l), ['BDAT 262144', 'BDAT 262144', `BDAT ${body.length - 2 * 262144} LAST`]);
    assert.ok(!log.some(([d, l]) => d === 'C' && l === 'DATA'));
    await s.quit();
    await assertStored(sender, body);
  });

  test('certificate checks: a wrong name or an unknown CA is a 4.7.5 deferral; matchNames replaces the name check', async () => {
    const wrongName = await open({ port: p.ports.mx, tls: { ...verified(), servername: 'other.example.test' } });
    assert.ok(!wrongName.r.ok && wrongName.r.outcome.enhanced === '4.7.5' && wrongName.r.outcome.code === 454);
    const unknownCa = await open({ port: p.ports.mx, tls: { mode: 'required', verify: true, servername: HOSTNAME } });
    assert.ok(!unknownCa.r.ok && unknownCa.r.outcome.enhanced === '4.7.5', unknownCa.r.ok ? '' : unknownCa.r.outcome.text);
    const seen: string[][] = [];
    const { ca } = verified();
    const matched = await session({ port: p.ports.mx, tls: { mode: 'required', verify: true, ca, matchNames: (names) => (seen.push(names), names.includes(HOSTNAME)) } });
    assert.equal(matched.s.info.tls?.authorized, true);
    assert.deepEqual(seen, [[HOSTNAME]]);
    matched.s.destroy();
    const refused = await open({ port: p.ports.mx, tls: { mode: 'required', verify: true, ca, matchNames: () => false } });
    assert.ok(!refused.r.ok && refused.r.outcome.enhanced === '4.7.5');
  });

  test('opportunistic TLS takes an unverifiable certificate and says so', async () => {
    const { s } = await session({ port: p.ports.mx, tls: { mode: 'opportunistic', verify: true } });
    assert.equal(s.info.tls?.authorized, false);
    assert.ok(s.info.tls?.authorizationError, 'authorizationError reported');
    s.destroy();
  });

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
    test(`AUTH ${mechanism} on submission after STARTTLS`, async () => {
      const { s, log } = await session({ port: p.ports.submission, tls: verified(), auth: { user: ALICE.user, password: ALICE.password, mechanisms: [mechanism] } });
      assert.equal(s.info.authenticated, true);
      assert.ok(log.some(([d, l]) => d === 'C' && l.startsWith(`AUTH ${mechanism}`)));
      assert.ok(!JSON.stringify(log).includes(ALICE.password));
      const sender = `${tag(mechanism.toLowerCase())}@example.test`;
      // A complete message (Date, Message-ID), so submission adds nothing but its trace header.
      const body = Buffer.from(buildMessage({ from: sender, to: 'carol@far-away.test', subject: 'auth', body: `via ${mechanism}` }));
      const r = await s.send(message(sender, ['carol@far-away.test'], body));
      assert.deepEqual(codes(r.recipients), ['250 2.0.0']);
      await s.quit();
      await assertStored(sender, body);
    });
  }

  test('implicit TLS on submissions (465 role), AUTH, delivery', async () => {
    const tls = { ...verified(), mode: 'implicit' as const };
    const { s } = await session({ port: p.ports.submissions, tls, auth: { user: ALICE.user, password: ALICE.password } });
    assert.equal(s.info.tls?.authorized, true);
    assert.equal(s.info.authenticated, true);
    const sender = `${tag('implicit')}@example.test`;
    const r = await s.send(message(sender, ['dave@far-away.test'], buildMessage({ from: sender, to: 'dave@far-away.test', subject: 'implicit' })));
    assert.deepEqual(codes(r.recipients), ['250 2.0.0']);
    await s.quit();
  });

  test('XOAUTH2 with a static token; a wrong token defers with 4.7.0 after the 334 error dance', async () => {
    const ok = await session({ port: p.ports.submission, tls: verified(), auth: { user: ALICE.user, token: async () => ALICE.token } });
    assert.equal(ok.s.info.authenticated, true);
    assert.ok(ok.log.some(([d, l]) => d === 'C' && l === 'AUTH XOAUTH2 <credentials hidden>'));
    await ok.s.quit();
    const bad = await open({ port: p.ports.submission, tls: verified(), auth: { user: ALICE.user, token: async () => 'wrong-token' } });
    assert.ok(!bad.r.ok);
    assert.deepEqual(codes([bad.r.outcome]), ['454 4.7.0']);
    assert.match(bad.r.outcome.text, /XOAUTH2 failed: 535/);
    assert.ok(bad.log.some(([d, l]) => d === 'S' && l.startsWith('334 ')), 'the error challenge');
    assert.ok(bad.log.some(([d, l]) => d === 'C' && l === ''), 'our empty answer');
  });

  test('a wrong password defers (454 4.7.0) quoting the peer reply', async () => {
    const bad = await open({ port: p.ports.submission, tls: verified(), auth: { user: ALICE.user, password: 'wrong', mechanisms: ['PLAIN'] } });
    assert.ok(!bad.r.ok);
    assert.deepEqual(codes([bad.r.outcome]), ['454 4.7.0']);
    assert.match(bad.r.outcome.text, /PLAIN failed: 535 5\.7\.8/);
    assert.equal(bad.r.outcome.remote, false);
  });

  test('SIZE: a message over the advertised limit is 5.3.4 for everyone before MAIL', async () => {
    const { s, log } = await session({ port: p.ports.mx, tls: verified() });
    assert.deepEqual(s.info.extensions.get('SIZE'), ['1000000']);
    const r = await s.send(message('big@remote.test', ['bob@local.test', 'postmaster@local.test'], 'x', { size: 1_000_001 }));
    assert.deepEqual(codes(r.recipients), ['552 5.3.4', '552 5.3.4']);
    assert.match(r.recipients[0]!.text, /message too big for host/);
    assert.ok(!log.some(([d, l]) => d === 'C' && l.startsWith('MAIL')));
    await s.quit();
  });

  test('per-recipient replies: unknown user 5xx, over maxRecipients 4xx, the rest delivered', async () => {
    const { s } = await session({ port: p.ports.mx });
    const sender = `${tag('mixed')}@remote.test`;
    const rcpts = ['bob@local.test', 'nobody-here@local.test', 'postmaster@local.test', 'x@catchall.test', 'y@catchall.test'];
    const r = await s.send(message(sender, rcpts, `From: <${sender}>\r\nSubject: mixed\r\n\r\nhi\r\n`));
    const got = codes(r.recipients);
    assert.equal(got[0], '250 2.0.0');
    assert.match(got[1]!, /^550 5\.1\.1$/);
    assert.equal(got[2], '250 2.0.0');
    assert.equal(got[3], '250 2.0.0');
    assert.match(got[4]!, /^452 4\.5\.3$/);
    await s.quit();
  });

  test('8BITMIME and SMTPUTF8 deliveries carry their parameters and arrive intact', async () => {
    const { s, log } = await session({ port: p.ports.mx, tls: verified() });
    const sender = `${tag('eight')}@remote.test`;
    const body = Buffer.from(`From: <${sender}>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCafé, crème brûlée ✓\r\n`);
    const eight = await s.send(message(sender, ['bob@local.test'], body, { bodyType: '8BITMIME' }));
    assert.deepEqual(codes(eight.recipients), ['250 2.0.0']);
    assert.ok(log.some(([d, l]) => d === 'C' && l === `MAIL FROM:<${sender}> SIZE=${body.length} BODY=8BITMIME`));
    const id = await assertStored(sender, body);
    assert.equal((await p.queueShow(id)).envelope.body, '8BITMIME');
    const utfSender = `${tag('utf8')}@remote.test`;
    const utfBody = Buffer.from(`From: <${utfSender}>\r\nTo: <jörg@catchall.test>\r\nSubject: grüße\r\n\r\nHallo Jörg\r\n`);
    const utf = await s.send(message(utfSender, ['jörg@catchall.test'], utfBody, { bodyType: '8BITMIME', smtputf8: true }));
    assert.deepEqual(codes(utf.recipients), ['250 2.0.0']);
    assert.ok(log.some(([d, l]) => d === 'C' && l.startsWith(`MAIL FROM:<${utfSender}>`) && l.endsWith(' SMTPUTF8')));
    const utfId = await assertStored(utfSender, utfBody);
    const shown = await p.queueShow(utfId);
    assert.equal(shown.envelope.smtputf8, true);
    assert.equal(shown.envelope.recipients[0]?.address, 'jörg@catchall.test');
    assert.equal(s.transactions, 2);
    await s.quit();
  });

  test('DSN parameters reach the envelope (RET, ENVID, NOTIFY, ORCPT)', async () => {
    const { s } = await session({ port: p.ports.mx });
    const sender = `${tag('dsn')}@remote.test`;
    const rcpt = { address: 'bob@local.test', notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;Bob+Smith@old.example.test' };
    const r = await s.send(message(sender, [rcpt], `From: <${sender}>\r\nSubject: dsn\r\n\r\nx\r\n`, { ret: 'HDRS', envid: 'Q1 +=x' }));
    assert.deepEqual(codes(r.recipients), ['250 2.0.0']);
    await s.quit();
    const env = (await p.queueShow((await onlyFrom(p, sender)).id)).envelope;
    assert.equal(env.ret, 'HDRS');
    assert.equal(env.envid, 'Q1 +=x');
    assert.deepEqual(env.recipients[0]?.notify, ['FAILURE', 'DELAY']);
    assert.equal(env.recipients[0]?.orcpt, 'rfc822;Bob+Smith@old.example.test');
  });
});
