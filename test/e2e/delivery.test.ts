// Outbound delivery end to end: a sending Petrel finds receivers through the test DNS server on
// loopback — a second Petrel and postfix smtp-sinks with injected faults — and the test watches
// what each side stored: deliveries over STARTTLS, retries, bounces with DSNs back to the sender's
// MX, delay DSNs, null MX, NXDOMAIN, MX fallback, implicit MX and a 1,000-recipient message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { attemptsOf, eventually, messagesWhere, submit, untilRecipients } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { runPython } from '../kit/peers.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { readStoredBody } from '../kit/store.js';

const B_IP = '127.0.0.2';
const OK_IP = '127.0.0.3';
const TEMP_IP = '127.0.0.4';
const PERM_IP = '127.0.0.5';
const DEAD_IP = '127.0.0.6';
const NODSN_IP = '127.0.0.12';
const SOURCE_IP = '127.0.0.11'; // A sends from here, as delivery.sources says

describe('outbound delivery through MX records', () => {
  let dns: TestDnsServer;
  let a: Petrel;
  let b: Petrel;
  let ok: Sink;
  let perm: Sink;
  let nodsn: Sink;
  let mxPort: number;

  before(async () => {
    mxPort = await freePort();
    dns = await startDnsServer({
      'b.test': { MX: [{ preference: 10, exchange: 'mx.b.test' }] },
      'example.test': { MX: [{ preference: 10, exchange: 'mx.b.test' }] },
      'mx.b.test': { A: [B_IP] },
      'ok.test': { MX: [{ preference: 10, exchange: 'mx.ok.test' }] },
      'mx.ok.test': { A: [OK_IP] },
      'temp.test': { MX: [{ preference: 10, exchange: 'mx.temp.test' }] },
      'mx.temp.test': { A: [TEMP_IP] },
      'perm.test': { MX: [{ preference: 10, exchange: 'mx.perm.test' }] },
      'mx.perm.test': { A: [PERM_IP] },
      'fallback.test': { MX: [{ preference: 10, exchange: 'dead.fallback.test' }, { preference: 20, exchange: 'mx.ok.test' }] },
      'dead.fallback.test': { A: [DEAD_IP] },
      'unreachable.test': { MX: [{ preference: 10, exchange: 'dead.fallback.test' }] },
      'v6.test': { MX: [{ preference: 10, exchange: 'mx.v6.test' }] },
      'mx.v6.test': { AAAA: ['::1'] },
      'nullmx.test': { MX: [{ preference: 0, exchange: '.' }] },
      'implicit.test': { A: [OK_IP] },
      'nodsn.test': { MX: [{ preference: 10, exchange: 'mx.nodsn.test' }] },
      'mx.nodsn.test': { A: [NODSN_IP] },
    });
    b = await startPetrel({
      mxPort,
      listeners: { mx: { address: B_IP } },
      setup: [
        { args: ['domain', 'add', 'b.test', '--local', '--catch-all'] },
        { args: ['domain', 'add', 'example.test', '--local', '--catch-all'] },
      ],
    });
    a = await startPetrel({
      limits: { maxRecipients: 1000 },
      dns: { servers: [dns.server] },
      delivery: {
        enabled: true,
        mxPort,
        pollIntervalMs: 200,
        retry: { minBackoffSeconds: 1, maxBackoffSeconds: 1, jitter: 0 },
        delayWarningSeconds: 2,
        mtaSts: { enabled: false },
        sources: [{ address: SOURCE_IP, helo: 'mta1.petrel.test' }],
      },
    });
    ok = await startSink(OK_IP, mxPort);
    nodsn = await startSink(NODSN_IP, mxPort, ['-N']);
    perm = await startSink(PERM_IP, mxPort, ['-f', 'rcpt']);
  });

  after(async () => {
    await Promise.allSettled([a?.dispose(), b?.dispose(), ok?.stop(), perm?.stop(), nodsn?.stop(), dns?.close()]);
  });

  test('a submitted message reaches the other Petrel found by MX, over STARTTLS', async () => {
    const subject = tag('to-b');
    const id = await submit(a, { to: ['carol@b.test'], subject });
    await untilRecipients(a, id, ['delivered']);
    const [attempt] = attemptsOf(a, id);
    assert.equal(attempt?.mx, 'mx.b.test');
    assert.equal(attempt?.ip, B_IP);
    assert.match(attempt?.tls ?? '', /^TLSv1\.[23]$/);
    assert.equal(attempt?.code, 250);
    const stored = await eventually(() => messagesWhere(b, "direction = 'inbound' AND sender = ?", ALICE.user)
      .find((m) => readStoredBody(b.dataDir, m.id).includes(subject)), () => 'message not at B');
    assert.ok(readStoredBody(b.dataDir, stored.id).toString().includes('with ESMTPS'), 'B saw TLS');
  });

  test('a permanent failure bounces, and the DSN reaches the sender through its MX', async () => {
    const id = await submit(a, { to: ['nobody@perm.test'], subject: tag('perm') });
    const [row] = await untilRecipients(a, id, ['bounced']);
    assert.equal(row?.lastCode, 500);
    assert.equal(row?.lastEnhanced, '5.3.0');
    const report = await eventually(() => {
      const list = messagesWhere(b, "sender = '' AND direction = 'inbound'");
      return list.find((m) => readStoredBody(b.dataDir, m.id).toString().includes('nobody@perm.test'));
    }, () => `no DSN at B; A logs:\n${a.logs.slice(-3000)}`);
    const raw = readStoredBody(b.dataDir, report.id).toString('utf8');
    const mail = await PostalMime.parse(raw);
    assert.match(raw, /Content-Type: multipart\/report; report-type=delivery-status/i);
    assert.match(raw, /Final-Recipient: rfc822; ?nobody@perm\.test/i);
    assert.match(raw, /Action: failed/);
    assert.match(raw, /Status: 5\.3\.0/);
    assert.match(raw, /Remote-MTA: dns; ?mx\.perm\.test/i);
    assert.match(raw, /Diagnostic-Code: smtp; ?500 5\.3\.0/);
    assert.equal(mail.to?.[0]?.address, ALICE.user);
    assert.match(mail.subject ?? '', /Undelivered/);
  });

  test('a temporary failure is retried, a delay DSN is sent, and the mail goes once the host recovers', async () => {
    let temp = await startSink(TEMP_IP, mxPort, ['-r', 'rcpt']);
    try {
      const id = await submit(a, { to: ['later@temp.test'], subject: tag('temp') });
      await eventually(() => {
        const rows = attemptsOf(a, id);
        return rows.length >= 2 && rows.every((r) => r.outcome === 'deferred' && r.code === 450);
      }, () => JSON.stringify(attemptsOf(a, id)));
      await eventually(() => messagesWhere(b, "sender = '' AND direction = 'inbound'")
        .find((m) => /Action: delayed/.test(readStoredBody(b.dataDir, m.id).toString()) && readStoredBody(b.dataDir, m.id).includes('later@temp.test')),
        () => 'no delay DSN at B', 20_000);
      await temp.stop();
      temp = await startSink(TEMP_IP, mxPort);
      await untilRecipients(a, id, ['delivered']);
      await temp.waitFor(1);
    } finally {
      await temp.stop();
    }
  });

  test('NOTIFY=SUCCESS to a host without DSN: delivered, and a "relayed" DSN (headers only) goes to the sender', async () => {
    const subject = tag('relayed');
    const out = await runPython({
      port: a.ports.submission, mode: 'starttls', cafile: a.caPath,
      auth: { mech: 'PLAIN', user: ALICE.user, password: ALICE.password }, pipeline: true,
      mail: { from: ALICE.user, to: ['r@nodsn.test'], body: `Subject: ${subject}\r\n\r\nhello\r\n`, mail_options: ['RET=FULL', 'ENVID=env-42'], rcpt_options: ['NOTIFY=SUCCESS', 'ORCPT=rfc822;r@nodsn.test'] },
    });
    const id = /queued as (\w+)/.exec(out.data?.[1] ?? '')?.[1];
    assert.ok(id, JSON.stringify(out));
    const [row] = await untilRecipients(a, id, ['relayed']);
    assert.equal(row?.lastCode, 250);
    const dsn = await eventually(() => messagesWhere(b, "sender = '' AND direction = 'inbound'")
      .map((m) => readStoredBody(b.dataDir, m.id).toString())
      .find((text) => text.includes('r@nodsn.test')), () => 'no relayed DSN at B');
    assert.match(dsn, /Action: relayed/);
    assert.match(dsn, /Original-Envelope-Id: env-42/);
    assert.match(dsn, /Original-Recipient: rfc822; ?r@nodsn\.test/);
    assert.match(dsn, /text\/rfc822-headers/);
    assert.ok(!dsn.includes('\r\nhello\r\n'), 'a success report returns the header only');
    const [got] = await nodsn.waitFor(1);
    assert.match(got!.rcptArgs[0]!, /^(to:)?<r@nodsn\.test>$/i, 'no NOTIFY or ORCPT to a host without DSN');
  });

  test('an operator bounces mail stuck on an unreachable MX: `queue bounce` sends the DSN', async () => {
    const id = await submit(a, { to: ['stuck@unreachable.test'], subject: tag('stuck') });
    const [row] = await untilRecipients(a, id, ['deferred']);
    assert.deepEqual([row?.lastCode, row?.lastEnhanced], [451, '4.4.1']);
    const r = await a.cli(['queue', 'bounce', id]);
    assert.equal(r.code, 0, r.stderr);
    await untilRecipients(a, id, ['bounced']);
    const dsn = await eventually(() => messagesWhere(b, "sender = '' AND direction = 'inbound'")
      .map((m) => readStoredBody(b.dataDir, m.id).toString())
      // A delay DSN (delayWarningSeconds: 2) may come first on a slow machine: wait for the failure.
      .find((text) => text.includes('stuck@unreachable.test') && /Action: failed/.test(text)), () => 'no failure DSN at B after queue bounce');
    assert.match(dsn, /Status: 5\.3\.0/);
    assert.match(dsn, /bounced by the operator/);
  });

  test('an MX with only an IPv6 address gets the mail over IPv6 (the IPv4 source does not apply)', async () => {
    const v6 = await startSink('::1', mxPort);
    try {
      const id = await submit(a, { to: ['six@v6.test'], subject: tag('v6') });
      await untilRecipients(a, id, ['delivered']);
      assert.equal(attemptsOf(a, id)[0]?.ip, '::1');
      const [got] = await v6.waitFor(1);
      assert.match(got!.clientAddr, /::1$/);
    } finally {
      await v6.stop();
    }
  });

  test('a null MX bounces at once with 5.1.10, a domain that does not exist with 5.1.2', async () => {
    const id = await submit(a, { to: ['x@nullmx.test', 'y@nosuch.test'], subject: tag('null') });
    const rows = await untilRecipients(a, id, ['bounced']);
    assert.deepEqual(rows.map((r) => [r.lastCode, r.lastEnhanced]), [[556, '5.1.10'], [550, '5.1.2']]);
    assert.equal(attemptsOf(a, id).length, 2, 'one attempt each, no retry');
  });

  test('when the preferred MX does not answer, the next MX takes the mail; with no MX, the A record does', async () => {
    const id = await submit(a, { to: ['f@fallback.test'], subject: tag('fallback') });
    await untilRecipients(a, id, ['delivered']);
    assert.equal(attemptsOf(a, id).at(-1)?.mx, 'mx.ok.test');
    const subject = tag('implicit');
    const implicit = await submit(a, { to: ['i@implicit.test'], subject });
    const [row] = await untilRecipients(a, implicit, ['delivered']);
    assert.equal(row?.lastMta, 'implicit.test');
    const [got] = await ok.waitForContent(subject);
    assert.deepEqual([got?.clientAddr, got?.heloArgs], [SOURCE_IP, 'mta1.petrel.test'], 'sent from delivery.sources');
  });

  test('a message that has been round too often (more Received fields than the limit) bounces 5.4.6', async () => {
    const hops = Array.from({ length: 51 }, (_, i) => ['--add-header', `Received: from hop${i}.test by hop${i + 1}.test; Sat, 28 Nov 2026 12:00:00 +0000`]).flat();
    const id = await submit(a, { to: ['loop@ok.test'], subject: tag('loop'), extra: hops });
    const [row] = await untilRecipients(a, id, ['bounced']);
    assert.deepEqual([row?.lastCode, row?.lastEnhanced], [554, '5.4.6']);
    assert.match(row?.lastText ?? '', /mail loop: 52 Received headers/);
  });

  test('a 1,000-recipient message is split into transactions of 50 recipients', async () => {
    const to = Array.from({ length: 1000 }, (_, i) => `r${i}@ok.test`);
    const subject = tag('thousand');
    const id = await submit(a, { to, subject });
    await untilRecipients(a, id, ['delivered'], 60_000);
    const got = await ok.waitForContent(subject, 20);
    assert.equal(got.length, 20);
    assert.ok(got.every((m) => m.rcptArgs.length === 50), JSON.stringify(got.map((m) => m.rcptArgs.length)));
    const all = new Set(got.flatMap((m) => m.rcptArgs.map((r) => /<([^>]+)>/.exec(r)?.[1])));
    assert.equal(all.size, 1000);
  });
});
