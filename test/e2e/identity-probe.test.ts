// `petrel identity test`'s engine against the real `petrel serve`: its submission ports (STARTTLS on
// 587-style, implicit TLS on 465-style) with AUTH and a self-signed certificate trusted as an extra CA.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { formatProbeReport, probeRelay, type ProbeReport, type ProbeTarget } from '../../src/identities/probe.js';
import { HOSTNAME } from '../kit/config.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';

describe('identity probe against Petrel', () => {
  let p: Petrel;
  let ca: string[];
  before(async () => {
    p = await startPetrel({ log: { level: 'warn' }, auth: { failureDelayMs: 10, maxFailuresPerIp: 1000 } });
    ca = [p.ca().toString()];
  });
  after(async () => {
    await p?.dispose();
  });

  const timeouts = { connect: 5000, greeting: 10_000, ehlo: 10_000, starttls: 10_000, auth: 10_000, quit: 5000 };
  /** Petrel's name is not resolvable: connect to its address and check the certificate for its name. */
  const probe = (t: Partial<ProbeTarget> & { port: number }, extraCa: string[] | undefined = ca): Promise<ProbeReport> =>
    probeRelay(
      { host: '127.0.0.1', servername: HOSTNAME, tls: 'starttls', verify: true, user: ALICE.user, password: ALICE.password, ...t },
      { helo: 'probe.petrel.test', timeouts, ...(extraCa ? { ca: extraCa } : {}) },
    );
  const steps = (r: ProbeReport) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'FAIL'}`);
  const step = (r: ProbeReport, name: string) => r.steps.filter((s) => s.step === name).at(-1)!;
  const text = (r: ProbeReport) => formatProbeReport(r);

  test('submission with STARTTLS and the right password: every step ok, TLS verified, credentials hidden', async () => {
    const r = await probe({ port: p.ports.submission });
    assert.ok(r.ok, formatProbeReport(r));
    assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'starttls:ok', 'ehlo:ok', 'auth:ok', 'quit:ok']);
    assert.match(step(r, 'starttls').replies.at(-1) ?? '', /^TLS established TLSv1\.[23] \S+; certificate for .*mail\.petrel\.test.* verified$/);
    assert.match(step(r, 'auth').replies.at(-1) ?? '', /^235 /);
    assert.match(step(r, 'quit').replies.at(-1) ?? '', /^221 /);
    assert.ok(r.steps.every((s) => s.fix === undefined));
    assert.deepEqual(r.transcript.filter((l) => l.dir === 'C').map((l) => l.text).slice(3, 5), ['AUTH CRAM-MD5', '<credentials hidden>'], 'CRAM-MD5 first when offered');
    assert.match(text(r), /^ok   auth      235 /m);
    assert.ok(!JSON.stringify(r).includes(ALICE.password) && !JSON.stringify(r).includes(Buffer.from(`\0${ALICE.user}\0${ALICE.password}`).toString('base64')));
    assert.match(text(r), /^ok   ehlo      250-mail\.petrel\.test greets probe\.petrel\.test \.\.\.$/m);
    assert.ok(!text(r).includes('transcript:'));
  });

  test('a wrong password: auth fails with the 535 reply and the credentials fix, the transcript follows', async () => {
    const r = await probe({ port: p.ports.submission, password: 'not-the-password' });
    assert.equal(r.ok, false);
    assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'starttls:ok', 'ehlo:ok', 'auth:FAIL']);
    const auth = step(r, 'auth');
    assert.match(auth.replies.at(-1) ?? '', /^535 5\.7\.8 /);
    assert.equal(auth.fix, 'the server refused the credentials: check --relay-user and the password (petrel identity add ... --relay-password-stdin to set it again)');
    assert.match(text(r), /^FAIL auth +535 5\.7\.8 .+\nfix: the server refused the credentials/m);
    assert.match(text(r), /\ntranscript:\n(.*\n)*  S: 535 5\.7\.8 /);
    assert.ok(!text(r).includes('not-the-password'));
  });

  test('submissions (implicit TLS) with AUTH LOGIN: ok, the TLS facts in the connect step', async () => {
    const r = await probe({ port: p.ports.submissions, tls: 'implicit', mechanisms: ['LOGIN'] });
    assert.ok(r.ok, formatProbeReport(r));
    assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'auth:ok', 'quit:ok']);
    assert.match(step(r, 'connect').replies.join('\n'), /TLS established TLSv1\.[23] .* verified/);
    assert.deepEqual(r.transcript.filter((l) => l.dir === 'C').map((l) => l.text).slice(1, 4), ['AUTH LOGIN', '<credentials hidden>', '<credentials hidden>']);
  });

  test('a closed port: connect fails with its fix', async () => {
    const port = await closedPort();
    const r = await probe({ port });
    assert.deepEqual(steps(r), ['resolve:ok', 'connect:FAIL']);
    assert.match(step(r, 'connect').replies[0] ?? '', /ECONNREFUSED/);
    assert.equal(step(r, 'connect').fix, `nothing listens on 127.0.0.1:${port}: check --relay-host/--relay-port`);
  });

  test("the certificate without its CA, or for another name: starttls fails with the certificate's fix", async () => {
    const untrusted = await probe({ port: p.ports.submission }, []);
    assert.deepEqual(steps(untrusted).slice(-1), ['starttls:FAIL']);
    assert.match(step(untrusted, 'starttls').fix ?? '', /not signed by a trusted CA/);
    const otherName = await probe({ port: p.ports.submission, servername: 'smtp.other.test' });
    assert.match(step(otherName, 'starttls').replies.at(-1) ?? '', /ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.match(step(otherName, 'starttls').fix ?? '', /is not for smtp\.other\.test: give --relay-host as the name on its certificate/);
  });

  test('plaintext to the implicit TLS port: no greeting, the fix says implicit', async () => {
    const r = await probeRelay({ host: '127.0.0.1', port: p.ports.submissions, tls: 'starttls', verify: true }, { helo: 'probe.petrel.test', timeouts: { ...timeouts, greeting: 1000 } });
    assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:FAIL']);
    assert.match(step(r, 'greeting').fix ?? '', /--relay-tls implicit/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
