// The transcript hook: every line sent and read, local events as info lines, and SASL credentials
// never shown. Against scripted peers on loopback (plain and implicit TLS with a self-signed pair).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { generate } from 'selfsigned';
import { open, type Line } from './client-testkit.js';
import { HIDDEN } from './handshake.js';
import { startPeer, type Script, type ScriptedPeer } from './scripted-peer.js';
import type { ConnectOptions } from './types.js';

const peers: ScriptedPeer[] = [];
let pair: { key: string; cert: string };

before(async () => {
  const pems = await generate([{ name: 'commonName', value: 'peer.test' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2 as const, value: 'peer.test' }] }],
  });
  pair = { key: pems.private, cert: pems.cert };
});

after(async () => {
  await Promise.all(peers.map((p) => p.close()));
});

async function run(script: Script, o: Partial<ConnectOptions> = {}) {
  const peer = await startPeer(script);
  peers.push(peer);
  const { r, log } = await open(peer, o);
  if (r.ok) await r.session.quit();
  return { peer, r, log };
}

const lines = (log: Line[], dir: Line[0]) => log.filter(([d]) => d === dir).map(([, l]) => l);

test('a plain session: connected (info), then every reply line (S) and command (C) in order', async () => {
  const { peer, log } = await run({ ehlo: ['PIPELINING', 'SIZE 1000'] });
  assert.deepEqual(log[0], ['info', `connected to 127.0.0.1:${peer.port}`, 0]);
  assert.deepEqual(
    log.slice(1).map(([d, l]) => `${d} ${l}`),
    ['S 220 peer.test ESMTP', 'C EHLO client.test', 'S 250-peer.test', 'S 250-PIPELINING', 'S 250 SIZE 1000', 'C QUIT', 'S 221 2.0.0 bye'],
  );
  assert.deepEqual(log.filter(([d]) => d === 'C').map(([, , w]) => w), [1, 2], 'socket writes are numbered');
});

test('the hostname, when given, is named in the connected line', async () => {
  const { peer, log } = await run({}, { hostname: 'mx.peer.test' });
  assert.equal(lines(log, 'info')[0], `connected to 127.0.0.1:${peer.port} (mx.peer.test)`);
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('AUTH PLAIN: the initial response is hidden, the peer got it', async () => {
  const { peer, log } = await run({ ehlo: ['AUTH PLAIN'] }, { auth: { user: 'u@client.test', password: 'hunter2' } });
  assert.ok(lines(log, 'C').includes(`AUTH PLAIN ${HIDDEN}`));
  assert.ok(peer.sessions[0]!.commands.includes(`AUTH PLAIN ${b64('\0u@client.test\0hunter2')}`));
  assert.ok(!JSON.stringify(log).includes(b64('\0u@client.test\0hunter2')));
});

test('AUTH LOGIN: both continuation lines are hidden, the prompts are shown', async () => {
  const on = (l: string) => (l === 'AUTH LOGIN' ? '334 VXNlcm5hbWU6' : l === b64('u@client.test') ? '334 UGFzc3dvcmQ6' : l === b64('hunter2') ? '235 2.7.0 ok' : undefined);
  const { r, log } = await run({ ehlo: ['AUTH LOGIN'], on }, { auth: { user: 'u@client.test', password: 'hunter2', mechanisms: ['LOGIN'] } });
  assert.ok(r.ok);
  assert.deepEqual(lines(log, 'C').slice(1, 4), ['AUTH LOGIN', HIDDEN, HIDDEN]);
  assert.ok(lines(log, 'S').includes('334 VXNlcm5hbWU6'));
  for (const secret of [b64('u@client.test'), b64('hunter2'), 'hunter2']) assert.ok(!JSON.stringify(log).includes(secret));
});

test('CRAM-MD5: the answer to the challenge is hidden', async () => {
  const on = (l: string) => (l === 'AUTH CRAM-MD5' ? `334 ${b64('<1.2@peer.test>')}` : /^[A-Za-z0-9+/]{20,}={0,2}$/.test(l) ? '235 2.7.0 ok' : undefined);
  const { r, log } = await run({ ehlo: ['AUTH CRAM-MD5'], on }, { auth: { user: 'u@client.test', password: 'hunter2' } });
  assert.ok(r.ok);
  assert.deepEqual(lines(log, 'C').slice(1, 3), ['AUTH CRAM-MD5', HIDDEN]);
});

test('XOAUTH2 refused: the token is hidden, the error challenge and the empty answer are shown', async () => {
  const error = b64('{"status":"401"}');
  const on = (l: string) => (l.startsWith('AUTH') ? `334 ${error}` : l === '' ? '535 5.7.8 Username and Password not accepted' : undefined);
  const { r, log } = await run({ ehlo: ['AUTH XOAUTH2'], on }, { auth: { user: 'u@client.test', token: async () => 'ya29.secret' } });
  assert.ok(!r.ok);
  assert.deepEqual(lines(log, 'C').slice(1, 3), [`AUTH XOAUTH2 ${HIDDEN}`, '']);
  assert.ok(lines(log, 'S').includes('535 5.7.8 Username and Password not accepted'));
  assert.ok(!JSON.stringify(log).includes('ya29'));
});

test('a refused connection is an info line with the reason', async () => {
  const port = await closedPort();
  const log: Line[] = [];
  const { r } = await open({ port } as ScriptedPeer, { transcript: ({ dir, text, write }) => log.push([dir, text, write]) });
  assert.ok(!r.ok);
  assert.deepEqual(log, [['info', `connect to [127.0.0.1]:${port} failed: ECONNREFUSED`, 0]]);
});

test('implicit TLS verified against its CA: "TLS established" with protocol, cipher and the names', async () => {
  const { r, log } = await run({ tls: pair }, { tls: { mode: 'implicit', verify: true, servername: 'peer.test', ca: [pair.cert] } });
  assert.ok(r.ok);
  const info = lines(log, 'info');
  assert.equal(info.length, 2);
  assert.match(info[1]!, /^TLS established TLSv1\.[23] \S+; certificate for peer\.test verified$/);
  assert.equal(log[2]?.[1], '220 peer.test ESMTP', 'the greeting comes after the handshake');
});

test('implicit TLS without verification: the certificate error is still reported', async () => {
  const { r, log } = await run({ tls: pair }, { tls: { mode: 'implicit', verify: false } });
  assert.ok(r.ok);
  assert.match(lines(log, 'info')[1]!, /; certificate for peer\.test not verified: DEPTH_ZERO_SELF_SIGNED_CERT$/);
});

test('implicit TLS verified against the default roots: the handshake error and its code', async () => {
  const { r, log } = await run({ tls: pair }, { tls: { mode: 'implicit', verify: true, servername: 'peer.test' } });
  assert.ok(!r.ok);
  assert.equal(r.outcome.enhanced, '4.7.5');
  const last = lines(log, 'info').at(-1)!;
  assert.match(last, /^TLS handshake with \[127\.0\.0\.1\]:\d+ failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
  assert.equal(r.outcome.text, last);
});

test('a wrong name: the name check says so', async () => {
  const { r, log } = await run({ tls: pair }, { tls: { mode: 'implicit', verify: true, servername: 'other.test', ca: [pair.cert] } });
  assert.ok(!r.ok);
  assert.match(lines(log, 'info').at(-1)!, /failed: .*other\.test.*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
});

test('without a transcript the session runs as before', async () => {
  const peer = await startPeer({});
  peers.push(peer);
  const { r } = await open(peer, { transcript: undefined });
  assert.ok(r.ok);
  await r.session.quit();
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
