// Transactions against a scripted loopback peer: pipelining, per-recipient outcomes, BDAT, and the
// failures no real server produces on demand (421 mid-transaction, silence after the dot, long replies).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import type { ClientSession } from './client.js';
import { codes, message, open, writes } from './client-testkit.js';
import { startPeer, type ScriptedPeer } from './scripted-peer.js';

const peers: ScriptedPeer[] = [];
after(async () => {
  for (const p of peers) await p.close();
});

async function session(script: Parameters<typeof startPeer>[0], timeouts = {}) {
  const peer = await startPeer(script);
  peers.push(peer);
  const { r, log } = await open(peer, { timeouts });
  assert.ok(r.ok, r.ok ? '' : r.outcome.text);
  return { peer, s: r.session as ClientSession, log };
}

test('pipelined: MAIL, every RCPT and DATA in one write; RSET joins the group on reuse', async () => {
  const { peer, s, log } = await session({ on: (l) => (l === 'RCPT TO:<b@peer.test>' ? '550 5.1.1 no such user' : undefined) });
  const first = await s.send(message(['a@peer.test', 'b@peer.test', 'c@peer.test'], 'Subject: x\r\n\r\n.dot\r\nend'));
  assert.deepEqual(codes(first.recipients), ['250 2.0.0', '550 5.1.1', '250 2.0.0']);
  assert.equal(first.pipelined, true);
  assert.equal(first.data?.code, 250);
  await s.send(message(['a@peer.test']));
  const w = writes(log);
  assert.deepEqual(w[1], ['MAIL FROM:<sender@client.test>', 'RCPT TO:<a@peer.test>', 'RCPT TO:<b@peer.test>', 'RCPT TO:<c@peer.test>', 'DATA']);
  assert.deepEqual(w[2], ['RSET', 'MAIL FROM:<sender@client.test>', 'RCPT TO:<a@peer.test>', 'DATA']);
  assert.equal(peer.sessions[0]!.messages[0]!.toString(), 'Subject: x\r\n\r\n..dot\r\nend\r\n');
  assert.equal(s.transactions, 2);
  assert.equal(s.usable, true);
  await s.quit();
  assert.equal(peer.sessions[0]!.commands.at(-1), 'QUIT');
});

test('without PIPELINING one command per write, and no DATA when every RCPT is refused', async () => {
  const { peer, s, log } = await session({ ehlo: ['8BITMIME'], on: (l) => (l.startsWith('RCPT') ? '450 4.2.1 busy' : undefined) });
  const r = await s.send(message(['a@peer.test', 'b@peer.test']));
  assert.deepEqual(codes(r.recipients), ['450 4.2.1', '450 4.2.1']);
  assert.equal(r.pipelined, false);
  assert.equal(r.data, undefined);
  assert.ok(writes(log).every((g) => g.length === 1));
  assert.ok(!peer.sessions[0]!.commands.includes('DATA'));
  assert.equal(s.usable, true);
  s.destroy();
});

test('pipelined DATA answered 354 with no recipient accepted: a lone dot, nothing delivered', async () => {
  const { peer, s, log } = await session({ on: (l) => (l.startsWith('RCPT') ? '550 5.1.1 no' : undefined) });
  const r = await s.send(message(['a@peer.test']));
  assert.deepEqual(codes(r.recipients), ['550 5.1.1']);
  assert.deepEqual(writes(log).at(-1), ['.']);
  assert.equal(peer.sessions[0]!.messages[0]!.length, 0);
  assert.equal(s.usable, true);
  s.destroy();
});

test('a refused MAIL decides for every recipient; the session stays usable', async () => {
  let mails = 0;
  // The first transaction's MAIL is refused; its pipelined RCPTs and DATA then fail as a real server's would.
  const first = (l: string) => (l.startsWith('MAIL') ? ++mails === 1 : mails === 1);
  const refusals: Record<string, string> = { MAIL: '553 5.7.1 sender refused', RCPT: '503 5.5.1 need MAIL', DATA: '554 5.5.1 no valid recipients' };
  const { s } = await session({ on: (l) => (first(l) ? refusals[l.slice(0, 4)] : undefined) });
  const r = await s.send(message(['a@peer.test', 'b@peer.test']));
  assert.deepEqual(codes(r.recipients), ['553 5.7.1', '553 5.7.1']);
  assert.equal(r.recipients[0]!.phase, 'mail');
  const again = await s.send(message(['a@peer.test']));
  assert.deepEqual(codes(again.recipients), ['250 2.0.0']);
  s.destroy();
});

test('421 mid-transaction: the rest get the peer reply, the session closes, later sends write nothing', async () => {
  const { peer, s, log } = await session({ on: (l) => (l === 'RCPT TO:<b@peer.test>' ? { close: true, reply: '421 4.3.2 shutting down' } : undefined) });
  const r = await s.send(message(['a@peer.test', 'b@peer.test', 'c@peer.test']));
  assert.deepEqual(codes(r.recipients), ['421 4.3.2', '421 4.3.2', '421 4.3.2']);
  assert.equal(r.recipients[0]!.text, 'shutting down');
  assert.equal(r.recipients[0]!.remote, true);
  assert.equal(r.recipients[0]!.mayBeDuplicate, undefined);
  assert.equal(s.usable, false);
  const before = log.length;
  const later = await s.send(message(['a@peer.test']));
  assert.deepEqual(codes(later.recipients), ['451 4.4.2']);
  assert.equal(log.length, before);
  assert.equal(peer.sessions.length, 1);
  await s.quit();
});

test('silence after the final dot: timeout, 4.4.2, message may be delivered twice', async () => {
  const { s } = await session({ onMessage: () => ({ hang: true }) }, { 'data-end': 300 });
  const r = await s.send(message(['a@peer.test', 'b@peer.test']));
  for (const o of r.recipients) {
    assert.equal(o.code, 451);
    assert.equal(o.enhanced, '4.4.2');
    assert.equal(o.phase, 'data-end');
    assert.equal(o.mayBeDuplicate, true);
    assert.equal(o.text, 'timeout after 0.3 s waiting for the reply to the end of data: message may be delivered twice');
  }
  assert.equal(r.data?.mayBeDuplicate, true);
  assert.equal(s.usable, false);
});

test('a disconnect after the final dot may also be a duplicate; one before DATA is not', async () => {
  const { s } = await session({ onMessage: () => ({ close: true }) });
  const r = await s.send(message(['a@peer.test']));
  assert.equal(r.recipients[0]!.mayBeDuplicate, true);
  assert.match(r.recipients[0]!.text, /^connection closed by the peer while waiting for the reply to the end of data.*delivered twice$/);
  const { s: s2 } = await session({ on: (l) => (l.startsWith('RCPT') ? { close: true } : undefined) });
  const r2 = await s2.send(message(['a@peer.test']));
  assert.equal(r2.recipients[0]!.enhanced, '4.4.2');
  assert.equal(r2.recipients[0]!.mayBeDuplicate, undefined);
  assert.equal(r2.recipients[0]!.phase, 'rcpt');
});

test('an over-long reply line is a protocol error: 4xx, session unusable', async () => {
  const { s } = await session({ on: (l) => (l.startsWith('MAIL') ? '250 ' + 'x'.repeat(5000) : undefined) });
  const r = await s.send(message(['a@peer.test']));
  assert.deepEqual(codes(r.recipients), ['451 4.5.0']);
  assert.match(r.recipients[0]!.text, /protocol error: reply line longer than 4096 bytes/);
  assert.equal(s.usable, false);
});

test('BDAT with PIPELINING: chunks written without waiting, the body arrives byte-exact', async () => {
  const body = Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 131) % 256));
  // The peer answers no chunk before LAST: a client waiting for each reply would time out.
  const on = (l: string) =>
    !l.startsWith('BDAT') ? undefined : l.endsWith('LAST') ? '250 2.0.0 one\r\n250 2.0.0 two\r\n250 2.0.0 queued' : ({ hang: true } as const);
  const { peer, s, log } = await session({ ehlo: ['PIPELINING', 'CHUNKING', 'BINARYMIME', '8BITMIME'], on });
  const r = await s.send(message(['a@peer.test', 'b@peer.test'], body, { bodyType: 'BINARYMIME' }));
  assert.deepEqual(codes(r.recipients), ['250 2.0.0', '250 2.0.0']);
  assert.equal(r.recipients[0]!.text, 'queued');
  assert.equal(r.chunking, true);
  assert.ok(peer.sessions[0]!.messages[0]!.equals(body));
  const w = writes(log);
  assert.deepEqual(w[1], ['MAIL FROM:<sender@client.test> BODY=BINARYMIME', 'RCPT TO:<a@peer.test>', 'RCPT TO:<b@peer.test>']);
  assert.deepEqual(w.slice(2).flat(), ['BDAT 262144', 'BDAT 262144', 'BDAT 75712 LAST']);
  s.destroy();
});

test('BDAT without PIPELINING: a refused chunk ends the transaction and later chunks are not sent', async () => {
  const { peer, s } = await session({ ehlo: ['CHUNKING'], on: (l) => (l.startsWith('BDAT') ? '552 5.3.4 too big' : undefined) });
  const r = await s.send(message(['a@peer.test'], Buffer.alloc(300_000, 0x61)));
  assert.deepEqual(codes(r.recipients), ['552 5.3.4']);
  assert.deepEqual(peer.sessions[0]!.commands.filter((c) => c.startsWith('BDAT')), ['BDAT 262144']);
  assert.equal(s.usable, true);
  assert.deepEqual(codes((await s.send(message(['a@peer.test'], 'x'))).recipients), ['552 5.3.4']);
  s.destroy();
});

test('a body stream that fails mid-DATA defers with 4.3.0 and drops the connection', async () => {
  const { s } = await session({});
  const failing = message(['a@peer.test']);
  failing.body = () =>
    new Readable({
      read() {
        this.destroy(new Error('spool file vanished'));
      },
    });
  const r = await s.send(failing);
  assert.deepEqual(codes(r.recipients), ['451 4.3.0']);
  assert.match(r.recipients[0]!.text, /spool file vanished/);
  assert.equal(s.usable, false);
});

test('a peer that stops reading the body: data-block timeout, 4.4.2, not a duplicate', async () => {
  const { s } = await session({ on: (l) => (l === 'DATA' ? { stall: true, reply: '354 go ahead' } : undefined) }, { 'data-block': 300 });
  const piece = Buffer.alloc(64 * 1024, 0x61);
  const big = message(['a@peer.test'], '', { size: 64 * 1024 * 1024 });
  // 64 MiB, made lazily: far more than loopback socket buffers hold.
  big.body = () => Readable.from((function* () { for (let i = 0; i < 1024; i++) yield piece; })());
  const r = await s.send(big);
  assert.deepEqual(codes(r.recipients), ['451 4.4.2']);
  assert.equal(r.recipients[0]!.text, 'timeout after 0.3 s sending the message body');
  assert.equal(r.recipients[0]!.mayBeDuplicate, undefined);
  assert.equal(s.usable, false);
});

test('refusals before anything is sent: bad sender for all, bad recipient alone, SIZE', async () => {
  const { peer, s } = await session({ ehlo: ['PIPELINING', 'SIZE 1000'] });
  const bad = await s.send(message(['a@peer.test'], 'x', { sender: 'evil@client.test\r\nRCPT TO:<x@y>' }));
  assert.deepEqual(codes(bad.recipients), ['553 5.1.7']);
  const big = await s.send(message(['a@peer.test', 'b@peer.test'], 'x', { size: 1001 }));
  assert.deepEqual(codes(big.recipients), ['552 5.3.4', '552 5.3.4']);
  assert.deepEqual(peer.sessions[0]!.commands, ['EHLO client.test']);
  assert.equal(s.transactions, 0);
  const mixed = await s.send(message(['a@peer.test', 'b@peer.test\nDATA', 'c@peer.test']));
  assert.deepEqual(codes(mixed.recipients), ['250 2.0.0', '553 5.1.3', '250 2.0.0']);
  assert.deepEqual(peer.sessions[0]!.commands.filter((c) => c.startsWith('RCPT')), ['RCPT TO:<a@peer.test>', 'RCPT TO:<c@peer.test>']);
  assert.equal(s.transactions, 1);
  s.destroy();
});
