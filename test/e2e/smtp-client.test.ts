// The outbound SMTP client against real peers over loopback: postfix's smtp-sink (pipelining, fault
// injection, reuse, what arrives on the wire) and Petrel's own server (STARTTLS, AUTH, BDAT, SIZE, UTF-8).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { openSession, type ClientSession } from '../../src/smtp/client/client.js';
import type { ConnectOptions, OutgoingMessage, OutgoingRecipient } from '../../src/smtp/client/types.js';
import { HOSTNAME } from '../kit/config.js';
import { buildMessage, onlyFrom, tag } from '../kit/mail.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { readStoredBody } from '../kit/store.js';
import { requireTool, startTool, type RunningTool } from '../kit/tools.js';

type Line = [string, string, number];

/** Open a session with a transcript; every phase bounded so no test can hang. */
async function open(o: Partial<ConnectOptions> & { port: number }) {
  const log: Line[] = [];
  const r = await openSession({
    host: '127.0.0.1',
    helo: 'client.petrel.test',
    tls: { mode: 'none', verify: false },
    transcript: (d, l, w) => log.push([d, l, w]),
    ...o,
    timeouts: { connect: 10_000, greeting: 10_000, ehlo: 10_000, mail: 10_000, rcpt: 10_000, data: 10_000, 'data-end': 10_000, quit: 5000, ...o.timeouts },
  });
  return { r, log };
}

async function session(o: Partial<ConnectOptions> & { port: number }): Promise<{ s: ClientSession; log: Line[] }> {
  const { r, log } = await open(o);
  assert.ok(r.ok, r.ok ? '' : `${r.outcome.code} ${r.outcome.enhanced} ${r.outcome.text}\n${log.map((l) => l.join(' ')).join('\n')}`);
  return { s: r.session, log };
}

function message(sender: string, recipients: Array<string | OutgoingRecipient>, body: string | Buffer, o: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const rcpts = recipients.map((r) => (typeof r === 'string' ? { address: r } : r));
  return { sender, recipients: rcpts, size: bytes.length, body: () => Readable.from([bytes]), bodyType: '7BIT', smtputf8: false, ...o };
}

/** Commands sent in socket write `w`. */
const writeOf = (log: Line[], w: number) => log.filter(([d, , n]) => d === 'C' && n === w).map(([, l]) => l);
const writeNumberOf = (log: Line[], prefix: string) => log.find(([d, l]) => d === 'C' && l.startsWith(prefix))?.[2] ?? -1;
const codes = (os: Array<{ code: number; enhanced: string }>) => os.map((o) => `${o.code} ${o.enhanced}`);

describe('against postfix smtp-sink', () => {
  const sinks: RunningTool[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const s of sinks) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Starts smtp-sink with `flags` on a free port; resolves once it accepts connections (10 s bound). */
  async function sink(flags: string[]): Promise<number> {
    requireTool('smtp-sink');
    const port = await freePort();
    const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    sinks.push(startTool('smtp-sink', [...asRoot, ...flags, `127.0.0.1:${port}`, '10'], 120_000));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) throw new Error(`smtp-sink did not listen on ${port} within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return port;
  }

  function dumpDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'petrel-sink-'));
    chmodSync(d, 0o777); // smtp-sink writes as nobody
    dirs.push(d);
    return d;
  }

  test('pipelined delivery: MAIL, every RCPT and DATA in one write; DSN parameters; dot-stuffing', async () => {
    const dir = dumpDir();
    const port = await sink(['-d', `${dir}/%H%M%S.`]);
    const { s, log } = await session({ port });
    const body = 'Subject: sink\r\n\r\n.leading dot\r\n..two\r\nlone LF\nlone CR\rlast line';
    const rcpts = [{ address: 'a@sink.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;a+x@sink.test' }, 'b@sink.test', 'c@sink.test'];
    const r = await s.send(message('from@client.test', rcpts, body, { envid: 'env 1', ret: 'HDRS' }));
    assert.deepEqual(codes(r.recipients), ['250 2.0.0', '250 2.0.0', '250 2.0.0']);
    assert.equal(r.pipelined, true);
    assert.deepEqual(writeOf(log, writeNumberOf(log, 'MAIL')), [
      'MAIL FROM:<from@client.test> RET=HDRS ENVID=env+201',
      'RCPT TO:<a@sink.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@sink.test',
      'RCPT TO:<b@sink.test>',
      'RCPT TO:<c@sink.test>',
      'DATA',
    ]);
    await s.quit();
    const [file] = readdirSync(dir);
    const dump = readFileSync(join(dir, file!), 'utf8');
    assert.match(dump, /^X-Mail-Args: <from@client\.test> RET=HDRS ENVID=env\+201$/m);
    assert.match(dump, /^X-Rcpt-Args: <a@sink\.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a\+2Bx@sink\.test$/m);
    assert.ok(dump.endsWith('Subject: sink\n\n.leading dot\n..two\nlone LF\nlone CR\nlast line\n\n'), JSON.stringify(dump.slice(-120)));
  });

  test('4xx RCPT rejects (smtp-sink -r RCPT): deferred per recipient, no DATA', async () => {
    const port = await sink(['-r', 'RCPT']);
    const { s, log } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test', 'b@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['450 4.3.0', '450 4.3.0']);
    assert.equal(r.recipients[0]!.remote, true);
    assert.ok(!log.some(([d, l]) => d === 'C' && l === 'DATA'));
    assert.equal(s.usable, true);
    await s.quit();
  });

  test('5xx RCPT rejects (smtp-sink -f RCPT): permanent per recipient', async () => {
    const port = await sink(['-f', 'RCPT']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['500 5.3.0']);
    await s.quit();
  });

  test('a disconnect without reply (smtp-sink -q RCPT): 4.4.2 deferral, session unusable', async () => {
    const port = await sink(['-q', 'RCPT']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test', 'b@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['451 4.4.2', '451 4.4.2']);
    assert.equal(r.recipients[0]!.phase, 'rcpt');
    assert.equal(r.recipients[0]!.mayBeDuplicate, undefined);
    assert.equal(s.usable, false);
    await s.quit();
  });

  test('421 after the final dot (smtp-sink -Q .): may be delivered twice', async () => {
    const port = await sink(['-Q', '.']);
    const { s } = await session({ port });
    const r = await s.send(message('from@client.test', ['a@sink.test'], 'Subject: x\r\n\r\nx\r\n'));
    assert.deepEqual(codes(r.recipients), ['421 4.0.0']);
    assert.equal(r.recipients[0]!.mayBeDuplicate, true);
    assert.match(r.recipients[0]!.text, /message may be delivered twice/);
    assert.equal(s.usable, false);
  });

  test('one connection for three messages: RSET pipelined before the second and third', async () => {
    const dir = dumpDir();
    const port = await sink(['-d', `${dir}/%H%M%S.`]);
    const { s, log } = await session({ port });
    for (let i = 1; i <= 3; i++) {
      const r = await s.send(message(`m${i}@client.test`, ['a@sink.test'], `Subject: ${i}\r\n\r\nbody ${i}\r\n`));
      assert.deepEqual(codes(r.recipients), ['250 2.0.0'], `message ${i}`);
    }
    assert.equal(s.transactions, 3);
    await s.quit();
    assert.deepEqual(writeOf(log, writeNumberOf(log, 'MAIL FROM:<m3@')), ['RSET', 'MAIL FROM:<m3@client.test>', 'RCPT TO:<a@sink.test>', 'DATA']);
    assert.equal(log.filter(([d, l]) => d === 'C' && l === 'RSET').length, 2);
    assert.equal(readdirSync(dir).length, 3);
  });
});

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
    assert.ok(ok.log.some(([d, l]) => d === 'C' && l === 'AUTH XOAUTH2 <secret>'));
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

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(false), 1000);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}
