// Real submission clients end to end: swaks, Python smtplib, curl and nodemailer over STARTTLS and
// implicit TLS with each AUTH mechanism they speak; what they report and what the queue then holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { buildMessage, onlyFrom, tag } from '../kit/mail.js';
import { curl, runPython, swaks, swaksServerLines } from '../kit/peers.js';
import { describeRun } from '../kit/tools.js';

let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10, maxFailuresPerIp: 1000 } });
});
after(async () => {
  await p?.dispose();
});

describe('swaks', () => {
  const base = () => ['--from', ALICE.user, '--auth-user', ALICE.user, '--auth-password', ALICE.password];

  for (const [mech, key, tls] of [
    ['PLAIN', 'submission', '--tls'],
    ['LOGIN', 'alt', '--tls'],
    ['CRAM-MD5', 'submission', '--tls'],
    ['PLAIN', 'submissions', '--tls-on-connect'],
  ] as const) {
    test(`${tls} AUTH ${mech} on ${key}`, async () => {
      const to = `${tag('swaks-' + mech.toLowerCase())}@far-away.test`;
      const r = await swaks(['--server', `127.0.0.1:${p.ports[key]}`, tls, '--auth', mech, ...base(), '--to', to]);
      assert.equal(r.code, 0, describeRun(r));
      assert.ok(swaksServerLines(r).some((l) => l.startsWith('235')), describeRun(r));
      const m = (await p.queueList()).filter((x) => x.recipients.some((rc) => rc.address === to));
      assert.equal(m.length, 1, `queued for ${to}: ${JSON.stringify(m)}`);
      assert.equal(m[0]!.direction, 'outbound');
    });
  }

  test('swaks without TLS cannot authenticate', async () => {
    const r = await swaks(['--server', `127.0.0.1:${p.ports.submission}`, '--auth', 'PLAIN', ...base(), '--to', 'x@far-away.test']);
    assert.notEqual(r.code, 0, describeRun(r));
  });

  test('swaks with a wrong password: exit 28, 535 5.7.8', async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${p.ports.submission}`,
      '--tls',
      '--auth',
      'PLAIN',
      '--from',
      ALICE.user,
      '--auth-user',
      ALICE.user,
      '--auth-password',
      'wrong-password',
      '--to',
      'x@far-away.test',
    ]);
    assert.equal(r.code, 28, describeRun(r));
    assert.ok(swaksServerLines(r).some((l) => l.startsWith('535 5.7.8')), describeRun(r));
  });

  test('swaks with a forbidden sender: exit 23, 553 5.7.1', async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${p.ports.submission}`,
      '--tls',
      '--auth',
      'LOGIN',
      '--auth-user',
      ALICE.user,
      '--auth-password',
      ALICE.password,
      '--from',
      'ceo@other.test',
      '--to',
      'x@far-away.test',
    ]);
    assert.equal(r.code, 23, describeRun(r));
    assert.ok(swaksServerLines(r).some((l) => l.startsWith('553 5.7.1')), describeRun(r));
  });
});

describe('python smtplib', () => {
  const cases = [
    { name: 'STARTTLS + LOGIN (initial response)', mode: 'starttls', mech: 'LOGIN', ir: true, port: 'submission' },
    { name: 'STARTTLS + LOGIN (classic)', mode: 'starttls', mech: 'LOGIN', ir: false, port: 'alt' },
    { name: 'STARTTLS + CRAM-MD5', mode: 'starttls', mech: 'CRAM-MD5', ir: false, port: 'submission' },
    { name: 'implicit TLS + PLAIN', mode: 'ssl', mech: 'PLAIN', ir: true, port: 'submissions' },
  ] as const;
  for (const c of cases) {
    test(c.name, async () => {
      const from = `${tag('py')}@example.test`;
      const to = ['one@far-away.test', 'two@far-away.test'];
      const out = await runPython({
        port: p.ports[c.port],
        mode: c.mode,
        cafile: p.caPath,
        auth: { mech: c.mech, user: ALICE.user, password: ALICE.password, initial_response: c.ir },
        mail: { from, to, body: buildMessage({ from, to: to[0]!, subject: c.name }) },
      });
      assert.equal(out.error, undefined, JSON.stringify(out));
      assert.equal(out.auth?.[0], 235, JSON.stringify(out));
      assert.deepEqual(out.sent?.refused, {});
      const m = await onlyFrom(p, from);
      assert.deepEqual(m.recipients.map((r) => r.address), to);
    });
  }

  test('wrong password is reported as 535', async () => {
    const out = await runPython({
      port: p.ports.submission,
      mode: 'starttls',
      auth: { mech: 'LOGIN', user: ALICE.user, password: 'bad' },
    });
    assert.equal(out.error?.type, 'SMTPAuthenticationError', JSON.stringify(out));
    assert.equal(out.error?.code, 535, JSON.stringify(out));
  });
});

describe('curl', () => {
  function messageFile(from: string, to: string): string {
    const file = join(p.dataDir, `${tag('curl')}.eml`);
    writeFileSync(file, buildMessage({ from, to, subject: 'curl' }));
    return file;
  }

  test('smtp:// with --ssl-reqd and a password', async () => {
    const from = `${tag('curl-starttls')}@example.test`;
    const r = await curl([
      `smtp://127.0.0.1:${p.ports.submission}`,
      '--ssl-reqd',
      '-k',
      '-u',
      `${ALICE.user}:${ALICE.password}`,
      '--mail-from',
      from,
      '--mail-rcpt',
      'dan@far-away.test',
      '-T',
      messageFile(from, 'dan@far-away.test'),
    ]);
    assert.equal(r.code, 0, describeRun(r));
    await onlyFrom(p, from);
  });

  test('smtps:// verifying the self-signed certificate', async () => {
    const from = `${tag('curl-smtps')}@example.test`;
    const port = p.ports.submissions;
    const r = await curl([
      `smtps://mail.petrel.test:${port}`,
      '--resolve',
      `mail.petrel.test:${port}:127.0.0.1`,
      '--cacert',
      p.caPath,
      '-u',
      `${ALICE.user}:${ALICE.password}`,
      '--mail-from',
      from,
      '--mail-rcpt',
      'erin@far-away.test',
      '-T',
      messageFile(from, 'erin@far-away.test'),
    ]);
    assert.equal(r.code, 0, describeRun(r));
    const d = await p.queueShow((await onlyFrom(p, from)).id);
    assert.equal(d.envelope.role, 'submissions');
  });

  test('smtp:// with an OAuth bearer token', async () => {
    const from = `${tag('curl-oauth')}@example.test`;
    const r = await curl([
      `smtp://127.0.0.1:${p.ports.submission}`,
      '--ssl-reqd',
      '-k',
      '-u',
      `${ALICE.user}:`,
      '--oauth2-bearer',
      ALICE.token,
      '--mail-from',
      from,
      '--mail-rcpt',
      'fay@far-away.test',
      '-T',
      messageFile(from, 'fay@far-away.test'),
    ]);
    assert.equal(r.code, 0, describeRun(r));
    const d = await p.queueShow((await onlyFrom(p, from)).id);
    assert.equal(d.envelope.authUser, ALICE.user);
  });
});

describe('nodemailer', () => {
  test('STARTTLS (verified) + AUTH on submission', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: p.ports.submission,
      secure: false,
      requireTLS: true,
      auth: { user: ALICE.user, pass: ALICE.password },
      tls: { ca: [p.ca()], servername: 'mail.petrel.test' },
      connectionTimeout: 10_000,
      socketTimeout: 20_000,
    });
    const from = `${tag('nodemailer')}@example.test`;
    try {
      const info = await transport.sendMail({ from, to: 'gus@far-away.test', subject: 'nodemailer', text: 'Hello' });
      assert.match(String(info.response), /^250/);
      assert.deepEqual(info.accepted, ['gus@far-away.test']);
    } finally {
      transport.close();
    }
    const d = await p.queueShow((await onlyFrom(p, from)).id);
    assert.equal(d.envelope.authUser, ALICE.user);
    assert.ok(d.envelope.tls?.protocol, JSON.stringify(d.envelope.tls));
  });

  test('implicit TLS on submissions, with the XOAUTH2 token', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: p.ports.submissions,
      secure: true,
      auth: { type: 'OAuth2', user: ALICE.user, accessToken: ALICE.token },
      tls: { ca: [p.ca()], servername: 'mail.petrel.test' },
      connectionTimeout: 10_000,
      socketTimeout: 20_000,
    });
    const from = `${tag('nodemailer-oauth')}@example.test`;
    try {
      const info = await transport.sendMail({ from, to: 'hal@far-away.test', subject: 'oauth', text: 'Hello' });
      assert.match(String(info.response), /^250/);
    } finally {
      transport.close();
    }
    await onlyFrom(p, from);
  });
});
