// probeRelay against scripted peers on loopback: the steps it reports, the failing one and its fix,
// and credentials never in the report. Every timeout is short.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { generate } from 'selfsigned';
import { startPeer, type Script, type ScriptedPeer } from '../smtp/client/scripted-peer.js';
import { formatProbeReport, probeRelay, type ProbeReport, type ProbeTarget } from './probe.js';

const peers: ScriptedPeer[] = [];
let pair: { key: string; cert: string };
const timeouts = { connect: 2000, greeting: 500, ehlo: 2000, starttls: 2000, auth: 2000, quit: 1000 };

before(async () => {
  const pems = await generate([{ name: 'commonName', value: 'relay.test' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2 as const, value: 'relay.test' }] }],
  });
  pair = { key: pems.private, cert: pems.cert };
});

after(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

async function peer(script: Script): Promise<ScriptedPeer> {
  const p = await startPeer(script);
  peers.push(p);
  return p;
}

function probe(t: Partial<ProbeTarget> & { port: number }, ca?: string[]): Promise<ProbeReport> {
  return probeRelay({ host: '127.0.0.1', tls: 'none', verify: false, ...t }, { helo: 'probe.test', timeouts, ...(ca ? { ca } : {}) });
}

const steps = (r: ProbeReport) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'FAIL'}`);

test('AUTH accepted: every step ok, QUIT answered, the password nowhere in the report', async () => {
  const p = await peer({ ehlo: ['AUTH PLAIN LOGIN'] });
  const r = await probe({ port: p.port, user: 'u@relay.test', password: 'hunter2' });
  assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'auth:ok', 'quit:ok']);
  assert.ok(r.ok);
  assert.ok(!JSON.stringify(r).includes(Buffer.from('\0u@relay.test\0hunter2').toString('base64')));
  assert.ok(!formatProbeReport(r).includes('FAIL'));
  assert.equal(p.sessions[0]!.commands.at(-1), 'QUIT');
});

test('no user: no auth step', async () => {
  const p = await peer({});
  assert.deepEqual(steps(await probe({ port: p.port })), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'quit:ok']);
});

test('a generic 535: auth fails with the reply and the credentials fix', async () => {
  const p = await peer({ ehlo: ['AUTH PLAIN'], on: (l) => (l.startsWith('AUTH') ? '535 5.7.8 Error: authentication failed' : undefined) });
  const r = await probe({ port: p.port, user: 'u', password: 'wrong' });
  const auth = r.steps.at(-1)!;
  assert.deepEqual([auth.step, auth.ok, auth.replies], ['auth', false, ['535 5.7.8 Error: authentication failed']]);
  assert.match(auth.fix ?? '', /check --relay-user and the password/);
  assert.match(formatProbeReport(r), /^FAIL auth +535 5\.7\.8 Error: authentication failed\nfix: the server refused the credentials/m);
});

test('Gmail behind an IP address: known by its greeting, Google advice', async () => {
  const p = await peer({
    greeting: '220 smtp.gmail.com ESMTP a1-20020a170906 - gsmtp',
    ehlo: ['AUTH LOGIN PLAIN XOAUTH2'],
    on: (l) => (l.startsWith('AUTH') ? '535-5.7.8 Username and Password not accepted. Learn more at\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp' : undefined),
  });
  const r = await probe({ port: p.port, user: 'me@gmail.com', password: 'plain-password' });
  assert.match(r.steps.at(-1)?.fix ?? '', /^Google refused the user\/password: use an app password/);
});

test('XOAUTH2 with a token supplier', async () => {
  const p = await peer({ ehlo: ['AUTH XOAUTH2 PLAIN'] });
  const r = await probe({ port: p.port, user: 'u', token: async () => 'ya29.token' });
  assert.ok(r.ok);
  assert.ok(r.transcript.some((l) => l.text === 'AUTH XOAUTH2 <credentials hidden>'));
  assert.ok(!JSON.stringify(r).includes('ya29'));
});

test('STARTTLS required but not offered: the starttls step fails with its fix', async () => {
  const p = await peer({});
  const r = await probe({ port: p.port, tls: 'starttls', verify: true });
  assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:ok', 'ehlo:ok', 'starttls:FAIL']);
  assert.match(r.steps.at(-1)!.fix ?? '', /does not offer STARTTLS/);
});

test('implicit TLS verified with the CA and a server name: the TLS facts in the connect step', async () => {
  const p = await peer({ tls: pair, ehlo: ['AUTH PLAIN'] });
  const r = await probe({ port: p.port, tls: 'implicit', verify: true, servername: 'relay.test', user: 'u', password: 'p' }, [pair.cert]);
  assert.ok(r.ok, formatProbeReport(r));
  assert.match(r.steps[1]!.replies[1] ?? '', /^TLS established TLSv1\.[23] .*certificate for relay\.test verified$/);
});

test('implicit TLS with an untrusted certificate: connect fails, the fix is about the CA', async () => {
  const p = await peer({ tls: pair });
  const r = await probe({ port: p.port, tls: 'implicit', verify: true, servername: 'relay.test' });
  assert.deepEqual(steps(r), ['resolve:ok', 'connect:FAIL']);
  assert.match(r.steps[1]!.fix ?? '', /not signed by a trusted CA/);
});

test('plaintext to an implicit TLS port: no greeting within the timeout, the fix says implicit', async () => {
  const p = await peer({ tls: pair });
  const r = await probe({ port: p.port, tls: 'starttls', verify: true });
  assert.deepEqual(steps(r), ['resolve:ok', 'connect:ok', 'greeting:FAIL']);
  assert.match(r.steps[2]!.fix ?? '', /--relay-tls implicit/);
});

test('a closed port: connect fails with "nothing listens"', async () => {
  const port = await closedPort();
  const r = await probe({ port });
  assert.deepEqual(steps(r), ['resolve:ok', 'connect:FAIL']);
  assert.equal(r.steps[1]!.fix, `nothing listens on 127.0.0.1:${port}: check --relay-host/--relay-port`);
});

test('a name that does not resolve: the resolve step fails', async () => {
  const r = await probeRelay({ host: 'no-such-relay.invalid', port: 587, tls: 'starttls', verify: true }, { helo: 'probe.test', timeouts });
  assert.deepEqual(steps(r), ['resolve:FAIL']);
  assert.match(r.steps[0]!.replies[0]!, /^cannot resolve no-such-relay\.invalid: /);
  assert.ok(r.steps[0]!.fix);
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
