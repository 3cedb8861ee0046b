// Bounces and complaints coming home, end to end: a Petrel sends through the test DNS server to a
// postfix smtp-sink with a tagged return path; reports are then sent to its MX with swaks, as a
// remote MTA or a feedback loop would. The test watches what a user would: events, the suppression
// list, and the next message leaving the suppressed address out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventsOf, eventually, submit, suppressionsOf, untilRecipients } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { arf } from '../kit/reports.js';
import { swaks } from '../kit/peers.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const SINK_IP = '127.0.0.21';
const TAGGED = /^(?:FROM:)?<(b\+[0-9a-z]{26}-[0-9a-z]{10}@example\.test)>/;

const dsn = (to: string, rcpt: string, status: string, diagnostic: string, headers: string) => `From: Mail Delivery System <MAILER-DAEMON@mx.remote.test>
To: <${to}>
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="=b1"

--=b1
Content-Type: text/plain

This is the mail system at host mx.remote.test. Your message could not be delivered.

--=b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.remote.test

Final-Recipient: rfc822; ${rcpt}
Action: failed
Status: ${status}
Remote-MTA: dns; mx.remote.test
Diagnostic-Code: smtp; ${diagnostic}

--=b1
Content-Type: text/rfc822-headers

${headers}
--=b1--
`;


describe('bounces, complaints and the suppression list', () => {
  let dns: TestDnsServer;
  let a: Petrel;
  let sink: Sink;

  before(async () => {
    const mxPort = await freePort();
    dns = await startDnsServer({
      'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
      'mx.remote.test': { A: [SINK_IP] },
    });
    a = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, mtaSts: { enabled: false } },
      setup: [
        { args: ['domain', 'add', 'example.test'] }, // local and sending: bounces come back here
        { args: ['user', 'add', ALICE.user, '--password-stdin'], stdin: ALICE.password + '\n' },
      ],
    });
    sink = await startSink(SINK_IP, mxPort);
  });
  after(async () => {
    await sink?.stop();
    await a?.dispose();
    await dns?.close();
  });

  /** Send one message to `to`; returns its queue id and the return path it left with. */
  async function sendTo(to: string[]): Promise<{ id: string; returnPath: string; headers: string }> {
    const subject = tag('bounce');
    const id = await submit(a, { to, subject });
    const [got] = await sink.waitForContent(subject);
    const returnPath = TAGGED.exec(got!.mailArgs)?.[1];
    assert.ok(returnPath, `MAIL ${got!.mailArgs} is not a tagged return path`);
    return { id, returnPath, headers: got!.content.split('\n\n')[0]! };
  }

  async function report(to: string, content: string, from = '<>'): Promise<void> {
    const r = await swaks(['--server', `127.0.0.1:${a.ports.mx}`, '--from', from, '--to', to, '--data', '-'], content);
    assert.equal(r.code, 0, `swaks: ${r.stdout}\n${r.stderr}`);
  }

  test('a hard bounce to the tagged return path: bounced event, global suppression, next message leaves it out', async () => {
    const { id, returnPath, headers } = await sendTo(['gone@remote.test']);
    await untilRecipients(a, id, ['delivered']);
    await report(returnPath, dsn(returnPath, 'gone@remote.test', '5.1.1', '550 5.1.1 <gone@remote.test>: Recipient address rejected: User unknown in local recipient table', headers));
    const bounced = await eventually(() => eventsOf(a, id).find((e) => e.type === 'bounced'), () => JSON.stringify(eventsOf(a, id)) + a.logs.slice(-3000));
    assert.equal(bounced.recipient, 'gone@remote.test');
    assert.equal(bounced.class, 'hard');
    assert.equal(bounced.reason, 'userunknown');
    assert.equal(bounced.enhanced, '5.1.1');
    assert.equal(bounced.code, 550);
    assert.equal(bounced.sendingDomain, 'example.test');
    assert.deepEqual(suppressionsOf(a, 'gone@remote.test'), [{ scope: '', reason: 'hard-bounce', source_message: id }]);
    assert.deepEqual(eventsOf(a, id).map((e) => e.type), ['accepted', 'delivered', 'bounced']);

    const subject = tag('after');
    const next = await submit(a, { to: ['gone@remote.test', 'still@remote.test'], subject });
    const [got] = await sink.waitForContent(subject);
    assert.deepEqual(got!.rcptArgs.map((r) => r.replace(/^(?:TO:)?<([^>]*)>.*/i, '$1')), ['still@remote.test']);
    // The sink has it; the result is written a moment later (results are batched).
    const rows = await untilRecipients(a, next, ['delivered', 'suppressed']);
    assert.deepEqual(rows.map((r) => [r.address, r.state]), [['gone@remote.test', 'suppressed'], ['still@remote.test', 'delivered']]);
    const suppressed = eventsOf(a, next).find((e) => e.type === 'suppressed');
    assert.equal(suppressed?.recipient, 'gone@remote.test');
  });

  test('a soft bounce matched through our Received id (no tag) is recorded and never suppresses', async () => {
    const { id, headers } = await sendTo(['full@remote.test']);
    await untilRecipients(a, id, ['delivered']);
    // Sent to alice's mailbox (scanMailboxes), matched by the "by mail.petrel.test (Petrel) ... id" line.
    await report(ALICE.user, dsn(ALICE.user, 'full@remote.test', '5.2.2', '552 5.2.2 <full@remote.test>: mailbox full', headers));
    const bounced = await eventually(() => eventsOf(a, id).find((e) => e.type === 'bounced'), () => JSON.stringify(eventsOf(a, id)));
    assert.equal(bounced.reason, 'mailboxfull');
    assert.equal(bounced.class, 'soft');
    assert.deepEqual(suppressionsOf(a, 'full@remote.test'), []);
  });

  test('a reputation block never poisons the address', async () => {
    const { id, returnPath, headers } = await sendTo(['good@remote.test']);
    await untilRecipients(a, id, ['delivered']);
    await report(returnPath, dsn(returnPath, 'good@remote.test', '5.7.1', '554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org', headers));
    const bounced = await eventually(() => eventsOf(a, id).find((e) => e.type === 'bounced'), () => JSON.stringify(eventsOf(a, id)));
    assert.equal(bounced.class, 'block');
    assert.deepEqual(suppressionsOf(a, 'good@remote.test'), []);
  });

  test('a complaint (ARF) suppresses the address for this sending domain; an opt-out report is an unsubscribe', async () => {
    const { id, returnPath } = await sendTo(['angry@remote.test']);
    await report(returnPath, arf(returnPath, 'angry@remote.test', 'abuse', ALICE.user), 'fbl@isp.test');
    const complained = await eventually(() => eventsOf(a, id).find((e) => e.type === 'complained'), () => JSON.stringify(eventsOf(a, id)) + a.logs.slice(-3000));
    assert.equal(complained.recipient, 'angry@remote.test');
    assert.equal(complained.class, 'complaint');
    assert.deepEqual(suppressionsOf(a, 'angry@remote.test'), [{ scope: 'example.test', reason: 'complaint', source_message: id }]);

    const second = await sendTo(['leaving@remote.test']);
    await report(second.returnPath, arf(second.returnPath, 'leaving@remote.test', 'opt-out', ALICE.user), 'fbl@isp.test');
    await eventually(() => eventsOf(a, second.id).find((e) => e.type === 'unsubscribed'), () => JSON.stringify(eventsOf(a, second.id)));
    assert.deepEqual(suppressionsOf(a, 'leaving@remote.test').map((s) => s.reason), ['unsubscribe']);
  });

  test('a forged or altered tag is refused at RCPT, so nobody can suppress addresses with fake bounces', async () => {
    const { returnPath } = await sendTo(['someone@remote.test']);
    const [local, domain] = returnPath.split('@');
    const forged = `${local!.slice(0, -1)}${local!.endsWith('a') ? 'b' : 'a'}@${domain}`;
    const r = await swaks(['--server', `127.0.0.1:${a.ports.mx}`, '--from', '<>', '--to', forged, '--quit-after', 'RCPT']);
    assert.match(r.stdout, /<\*\* 550 5\.1\.1/);
  });
});

describe('suppression in refuse mode', () => {
  let p: Petrel;
  before(async () => {
    p = await startPetrel({ suppression: { mode: 'refuse' } });
    const r = await p.cli(['suppress', 'add', 'blocked@remote.test', '--reason', 'manual']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => p?.dispose());

  test('a suppressed recipient gets 550 5.7.1 at RCPT on submission; others are accepted', async () => {
    const r = await swaks([
      '--server', `127.0.0.1:${p.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', ALICE.user, '--auth-password', ALICE.password,
      '--from', ALICE.user, '--to', 'blocked@remote.test,fine@remote.test',
    ]);
    assert.match(r.stdout, /<~\* 550 5\.7\.1 Recipient is on the suppression list/);
    assert.match(r.stdout, /queued as/);
  });
});
