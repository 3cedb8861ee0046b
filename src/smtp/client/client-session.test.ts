// Session set-up against a scripted loopback peer: greeting, EHLO and the HELO fallback, STARTTLS
// policy, AUTH (incl. the XOAUTH2 error dance) and connection failures, all as Outcomes.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { openSession } from './client.js';
import { codes, message, open, writes } from './client-testkit.js';
import { startPeer, type Script, type ScriptedPeer } from './scripted-peer.js';
import type { ConnectOptions } from './types.js';

const peers: ScriptedPeer[] = [];
after(async () => {
  for (const p of peers) await p.close();
});

async function attempt(script: Script, o: Partial<ConnectOptions> = {}) {
  const peer = await startPeer(script);
  peers.push(peer);
  return { peer, ...(await open(peer, o)) };
}

const failed = (r: Awaited<ReturnType<typeof attempt>>['r']) => {
  assert.equal(r.ok, false);
  return r.ok ? assert.fail('opened') : r.outcome;
};

test('EHLO refused with 5xx: HELO, no extensions; then 8-bit bodies are refused 5.6.3 before MAIL', async () => {
  const { peer, r, log } = await attempt({ on: (l) => (l.startsWith('EHLO') ? '502 5.5.1 no ESMTP here' : undefined) });
  assert.ok(r.ok);
  assert.equal(r.session.info.extensions.size, 0);
  assert.equal(r.session.info.greeting, 'peer.test ESMTP');
  const eight = await r.session.send(message(['a@peer.test'], 'caf\u00e9\r\n', { bodyType: '8BITMIME' }));
  assert.deepEqual(codes(eight.recipients), ['554 5.6.3']);
  const plain = await r.session.send(message(['a@peer.test']));
  assert.deepEqual(codes(plain.recipients), ['250 2.0.0']);
  assert.deepEqual(peer.sessions[0]!.commands.slice(0, 3), ['EHLO client.test', 'HELO client.test', 'MAIL FROM:<sender@client.test>']);
  assert.ok(writes(log).every((g) => g.length === 1), 'no pipelining after HELO');
  r.session.destroy();
});

test('a 4xx EHLO reply or a 554 greeting ends the attempt with the peer reply', async () => {
  const ehlo = failed((await attempt({ on: (l) => (l.startsWith('EHLO') ? '421 4.3.2 busy' : undefined) })).r);
  assert.deepEqual(codes([ehlo]), ['421 4.3.2']);
  assert.equal(ehlo.phase, 'ehlo');
  const greet = failed((await attempt({ greeting: '554 5.7.1 go away' })).r);
  assert.deepEqual(codes([greet]), ['554 5.7.1']);
  assert.equal(greet.remote, true);
  assert.equal(greet.phase, 'greeting');
});

test('a silent peer: greeting timeout is 4.4.2 with the phase in the text', async () => {
  const o = failed((await attempt({ greeting: { hang: true } }, { timeouts: { greeting: 200 } })).r);
  assert.deepEqual(codes([o]), ['451 4.4.2']);
  assert.equal(o.text, 'timeout after 0.2 s waiting for the greeting');
});

test('a refused connection is 4.4.1', async () => {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  const r = await openSession({ host: '127.0.0.1', port, hostname: 'mx.test', helo: 'client.test', tls: { mode: 'none', verify: false }, timeouts: { connect: 5000 } });
  const o = failed(r);
  assert.deepEqual(codes([o]), ['451 4.4.1']);
  assert.match(o.text, /^connect to mx\.test\[127\.0\.0\.1\]:\d+ failed: ECONNREFUSED$/);
});

test('a bad EHLO name is a configuration error: TypeError, nothing connects', async () => {
  const peer = await startPeer({});
  peers.push(peer);
  for (const helo of ['client.test\r\nMAIL FROM:<x@y>', '', 'two words', 'nul\0']) {
    await assert.rejects(openSession({ host: '127.0.0.1', port: peer.port, helo, tls: { mode: 'none', verify: false } }), TypeError);
  }
  assert.equal(peer.sessions.length, 0);
});

test('STARTTLS required: not offered or refused is a 4.7.4 deferral; opportunistic goes on in plaintext', async () => {
  const missing = failed((await attempt({}, { tls: { mode: 'required', verify: true } })).r);
  assert.deepEqual(codes([missing]), ['454 4.7.4']);
  assert.equal(missing.remote, false);
  const refused = failed((await attempt({ ehlo: ['STARTTLS'] }, { tls: { mode: 'required', verify: true } })).r);
  assert.deepEqual(codes([refused]), ['454 4.7.4']);
  assert.match(refused.text, /refused STARTTLS: 454 4\.7\.0 TLS not available/);
  const opp = await attempt({ ehlo: ['STARTTLS'] }, { tls: { mode: 'opportunistic', verify: false } });
  assert.ok(opp.r.ok);
  assert.equal(opp.r.session.info.tls, null);
  opp.r.session.destroy();
});

test('opportunistic STARTTLS whose handshake fails is a 4.7.5 deferral (the caller may retry in plaintext)', async () => {
  const { r } = await attempt({ ehlo: ['STARTTLS'], on: (l) => (l === 'STARTTLS' ? { close: true, reply: '220 2.0.0 go ahead' } : undefined) }, { tls: { mode: 'opportunistic', verify: false } });
  const o = failed(r);
  assert.equal(o.code, 454);
  assert.equal(o.enhanced, '4.7.5');
  assert.match(o.text, /TLS handshake with \[127\.0\.0\.1\]:\d+ failed/);
});

test('AUTH PLAIN: the secret never reaches the transcript', async () => {
  const { peer, r, log } = await attempt({ ehlo: ['AUTH LOGIN PLAIN'] }, { auth: { user: 'u@client.test', password: 'hunter2' } });
  assert.ok(r.ok);
  assert.equal(r.session.info.authenticated, true);
  assert.deepEqual(writes(log)[1], ['AUTH PLAIN <credentials hidden>']);
  assert.ok(!JSON.stringify(log).includes(Buffer.from('\0u@client.test\0hunter2').toString('base64')));
  assert.ok(peer.sessions[0]!.commands.includes(`AUTH PLAIN ${Buffer.from('\0u@client.test\0hunter2').toString('base64')}`));
  r.session.destroy();
});

test('XOAUTH2 refused: 334 error challenge, an empty line, then 535, reported as a 4.7.0 deferral', async () => {
  const error = Buffer.from('{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}').toString('base64');
  const { peer, r, log } = await attempt(
    { ehlo: ['AUTH PLAIN XOAUTH2'], on: (l) => (l.startsWith('AUTH') ? `334 ${error}` : l === '' ? '535 5.7.8 Username and Password not accepted' : undefined) },
    { auth: { user: 'u@client.test', token: async () => 'ya29.secret-token' } },
  );
  const o = failed(r);
  assert.deepEqual(codes([o]), ['454 4.7.0']);
  assert.equal(o.remote, false);
  assert.equal(o.phase, 'auth');
  assert.match(o.text, /XOAUTH2 failed: 535 5\.7\.8 Username and Password not accepted/);
  assert.deepEqual(writes(log).slice(1, 3), [['AUTH XOAUTH2 <credentials hidden>'], ['']]);
  assert.ok(!JSON.stringify(log).includes('ya29'));
  assert.equal(peer.sessions[0]!.commands[2], '', 'the empty line that ends the XOAUTH2 error exchange');
});

test('AUTH configured but not offered, or no common mechanism: 4.7.0 deferrals', async () => {
  const none = failed((await attempt({}, { auth: { user: 'u', password: 'p' } })).r);
  assert.deepEqual(codes([none]), ['454 4.7.0']);
  assert.match(none.text, /does not offer AUTH/);
  const other = failed((await attempt({ ehlo: ['AUTH GSSAPI'] }, { auth: { user: 'u', password: 'p' } })).r);
  assert.match(other.text, /no usable authentication mechanism: the host offers GSSAPI/);
  const broken = failed((await attempt({ ehlo: ['AUTH XOAUTH2'] }, { auth: { user: 'u', token: () => Promise.reject(new Error('refresh failed')) } })).r);
  assert.deepEqual(codes([broken]), ['454 4.7.0']);
  assert.match(broken.text, /refresh failed/);
});

test('an EHLO reply of more than 100 lines is a protocol error', async () => {
  const o = failed((await attempt({ ehlo: Array.from({ length: 150 }, (_, i) => `X-KEYWORD-${i}`) })).r);
  assert.deepEqual(codes([o]), ['451 4.5.0']);
  assert.match(o.text, /reply longer than 100 lines/);
});

test('the socket is bound to localAddress when given', async () => {
  const { r } = await attempt({}, { localAddress: '127.0.0.2' });
  assert.ok(r.ok);
  assert.equal(r.session.info.localAddress, '127.0.0.2');
  assert.equal(r.session.info.remoteAddress, '127.0.0.1');
  r.session.destroy();
});

test('quit() never rejects, even when the peer is gone', async () => {
  const { peer, r } = await attempt({});
  assert.ok(r.ok);
  await peer.close();
  await r.session.quit();
  await r.session.quit();
  assert.equal(r.session.usable, false);
});
