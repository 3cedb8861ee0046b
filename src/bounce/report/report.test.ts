import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeDsn } from '../dsn.js';
import { dsnInput } from '../dsn-testkit.js';
import { parseReport } from './index.js';

const mail = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));

const RFC3464 = `From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: alice@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; bob@example.net
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: Recipient address
    rejected: User unknown in virtual mailbox table

Original-Recipient: rfc822; Carol@Example.NET
Final-Recipient: rfc822; carol@example.net
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

--b1
Content-Type: text/rfc822-headers

Received: from client.example.com ([192.0.2.7])
\tby mx.petrel.test (Petrel) with ESMTPS id 01QUEUE;
\tSat, 28 Nov 2026 17:21:40 +0000
From: Alice <alice@example.com>
To: bob@example.net, carol@example.net
Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=
Message-ID: <m1@example.com>

--b1--
`;

test('an RFC 3464 report gives each recipient with its status, reply code, action and diagnostic', async () => {
  const report = await parseReport(mail(RFC3464));
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.replyCode, r.action, r.remoteMta]), [
    ['bob@example.net', '5.1.1', '550', 'failed', 'mx.example.net'],
    ['carol@example.net', '4.2.2', '452', 'delayed', ''],
  ]);
  assert.match(report.recipients[0]!.diagnostic, /^550 5\.1\.1 <bob@example\.net>: Recipient address rejected: User unknown/);
});

test('the returned headers give the original Message-ID, From, To, decoded Subject and Petrel queue id', async () => {
  const { original } = await parseReport(mail(RFC3464));
  assert.deepEqual(original, {
    messageId: 'm1@example.com',
    petrelIds: ['01QUEUE'],
    from: 'Alice <alice@example.com>',
    to: 'bob@example.net, carol@example.net',
    subject: 'Grüße',
  });
});

test("Petrel's own DSN reads back: recipient, status, reply code and the queue id of the original", async () => {
  const report = await parseReport(composeDsn(dsnInput()).message);
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.replyCode, r.action]), [['bob@example.net', '5.1.1', '550', 'failed']]);
  assert.deepEqual(report.original.petrelIds, ['01ABC']);
  assert.equal(report.original.messageId, 'q4.report@example.com');
});

test('a delivery-status part mislabelled as text/plain is still read', async () => {
  const text = RFC3464.replace('Content-Type: message/delivery-status', 'Content-Type: text/plain');
  const report = await parseReport(mail(text));
  assert.deepEqual(report.recipients.map((r) => r.address), ['bob@example.net', 'carol@example.net']);
});

test('a delivered DSN is a success, not a failure', async () => {
  const text = RFC3464.replace('Action: failed\nStatus: 5.1.1', 'Action: delivered\nStatus: 2.0.0')
    .replace(/Diagnostic-Code: smtp; 550[^]*?table\n/, 'Diagnostic-Code: smtp; 250 2.0.0 Ok\n');
  const [first] = (await parseReport(mail(text))).recipients;
  assert.deepEqual([first?.status, first?.replyCode, first?.reason, first?.class], ['2.0.0', '250', 'delivered', 'success']);
});

const ARF = `From: fbl@isp.example
To: abuse@example.com
Subject: Complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="f"

--f
Content-Type: text/plain

This is an email abuse report.

--f
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <alice@example.com>
Original-Rcpt-To: <dave@isp.example>

--f
Content-Type: message/rfc822

From: alice@example.com
To: someone-else@isp.example
Subject: Offer
Message-ID: <offer.1@example.com>

Buy now.
--f--
`;

test('an ARF report is a complaint by Original-Rcpt-To, with the feedback type and no status', async () => {
  const report = await parseReport(mail(ARF));
  assert.equal(report.kind, 'complaint');
  assert.equal(report.feedbackType, 'abuse');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.reason, r.class]), [['dave@isp.example', '', 'feedback', 'complaint']]);
  assert.equal(report.original.messageId, 'offer.1@example.com');
});

test('without Original-Rcpt-To the complainer is the To of the returned message', async () => {
  const report = await parseReport(mail(ARF.replace('Original-Rcpt-To: <dave@isp.example>\n', '')));
  assert.deepEqual(report.recipients.map((r) => r.address), ['someone-else@isp.example']);
});

test('an RFC 3834 auto-reply is one recipient, the replier, reason vacation', async () => {
  const report = await parseReport(mail(`From: Erin <erin@example.net>
To: alice@example.com
Subject: Out of office: Offer
Auto-Submitted: auto-replied

I am away until Monday; I will answer 550 messages when I am back.
`));
  assert.equal(report.kind, 'auto-reply');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.reason, r.class]), [['erin@example.net', '', 'vacation', 'auto-reply']]);
});

test('an auto-submitted bounce (Exim marks its bounces auto-replied) stays a bounce', async () => {
  const report = await parseReport(mail(`From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: alice@example.com
Subject: Mail delivery failed: returning message to sender
Auto-Submitted: auto-replied
X-Failed-Recipients: frank@example.net

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  frank@example.net
    SMTP error from remote mail server after RCPT TO:<frank@example.net>:
    550 5.1.1 No such user

------ This is a copy of the message, including all the headers. ------

From: alice@example.com
To: frank@example.net
`));
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.replyCode, r.command]), [['frank@example.net', '5.1.1', '550', 'RCPT']]);
});

test('a qmail text bounce gives each <address>: block with the remote reply', async () => {
  const report = await parseReport(mail(`From: MAILER-DAEMON@mail.example.org
To: alice@example.com
Subject: failure notice

Hi. This is the qmail-send program at mail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<grace@example.net>:
192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 <grace@example.net>... User unknown
Giving up on 192.0.2.1.

<heidi@example.net>:
Remote host said: 552 5.2.2 Mailbox full

--- Below this line is a copy of the message.

Received: (qmail 1 invoked by uid 0); 28 Nov 2026 17:21:40 -0000
Message-ID: <q.1@example.com>
From: alice@example.com
To: grace@example.net
`));
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => [r.address, r.status, r.replyCode]), [
    ['grace@example.net', '5.1.1', '550'],
    ['heidi@example.net', '5.2.2', '552'],
  ]);
  assert.equal(report.original.messageId, 'q.1@example.com');
});

test('an ordinary mail is other, with no recipients', async () => {
  const report = await parseReport(mail('From: alice@example.com\nTo: bob@example.net\nSubject: Lunch\n\nSee you at noon, bob@example.net.\n'));
  assert.equal(report.kind, 'other');
  assert.deepEqual(report.recipients, []);
});

test('garbage and empty input give other, never an exception', async () => {
  for (const raw of [Buffer.alloc(0), Buffer.from([0xff, 0xfe, 0x00, 0x1b]), Buffer.from('\r\n\r\n--\r\n'), Buffer.from(':::@@@<<<>>>')]) {
    const report = await parseReport(raw);
    assert.equal(report.kind, 'other');
    assert.deepEqual(report.recipients, []);
  }
});

test('a 5 MB single line is read within the byte cap and yields nothing', async () => {
  const line = 'x'.repeat(2_500_000) + '@' + 'y.'.repeat(1_250_000);
  const report = await parseReport(Buffer.from(`From: MAILER-DAEMON@example.org\nSubject: Undeliverable\n\n${line}\n`));
  assert.ok(report.recipients.length <= 1);
  assert.ok(report.recipients.every((r) => r.diagnostic.length <= 1000));
});

test('10,000 MIME parts are cut at the part limit and the report before them is still read', async () => {
  const parts = Array.from({ length: 10_000 }, (_, i) => `--z\nContent-Type: text/plain\n\npart ${i}\n`).join('');
  const raw = RFC3464.replace('--b1--\n', `--b1\nContent-Type: multipart/mixed; boundary="z"\n\n${parts}--z--\n--b1--\n`);
  const report = await parseReport(mail(raw));
  assert.equal(report.kind, 'bounce');
  assert.deepEqual(report.recipients.map((r) => r.address), ['bob@example.net', 'carol@example.net']);
});

test('deeply nested multiparts stop at the depth limit', async () => {
  let body = 'Final-Recipient: rfc822; ivan@example.net\nAction: failed\nStatus: 5.1.1\n';
  for (let i = 0; i < 200; i++) body = `Content-Type: multipart/mixed; boundary="n${i}"\n\n--n${i}\n${body}\n--n${i}--\n`;
  const report = await parseReport(Buffer.from(`From: MAILER-DAEMON@example.org\nSubject: Undeliverable\n${body}`));
  assert.ok(['bounce', 'other'].includes(report.kind));
});

test('a Google Groups refusal is rejected whatever its language, with the pseudo status 5.0.918', async () => {
  const raw = `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: alice@example.com
Subject: Delivery Status Notification (Failure)
X-Failed-Recipients: cats@googlegroups.com
Content-Type: text/plain; charset="UTF-8"

グループに投稿できませんでした。
`;
  const r = (await parseReport(mail(raw))).recipients[0]!;
  assert.deepEqual([r.address, r.reason, r.status], ['cats@googlegroups.com', 'rejected', '5.0.918']);
});

test('a text bounce that states no code gets the pseudo status of its reason', async () => {
  const raw = `From: MAILER-DAEMON@mx.example.org
To: alice@example.com
Subject: Undelivered Mail Returned to Sender

<bob@example.net>: host mx.example.net[192.0.2.1] said: 552 mailbox full
`;
  const r = (await parseReport(mail(raw))).recipients[0]!;
  assert.deepEqual([r.address, r.reason, r.status, r.replyCode], ['bob@example.net', 'mailboxfull', '5.0.922', '552']);
});
