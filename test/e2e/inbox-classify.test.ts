// What lands in an identity's mailbox acts on its campaign, end to end: a campaign sends through a relay
// identity (to smtp-sink) whose mailbox is a real Dovecot; a reply appended to that INBOX stops the
// contact (contact.replied with the snippet), an out-of-office with a return date pauses the contact
// until that day on the injected clock, a DSN in the mailbox marks the contact bounced and suppresses,
// and a UIDVALIDITY reset acts on nothing twice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { campaignCli, contactStates, createCampaign, header, importContacts, toContact } from '../kit/campaigns.js';
import { eventually, eventuallyAsync, eventsOf, suppressionsOf } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { FAST_MAILBOXES, statusOf } from '../kit/mailboxes.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const USER = 'r1@outreach.test';
const PASS = 'r1-Secret-1';
const DAY = 86_400_000;
const LEADS = ['replier@r.test', 'ooo@o.test', 'dead@d.test', 'calm@c.test'];

const CAMPAIGN = `name: inbox
list: leads
identity: r1
schedule: always
stopOn: [reply, bounce, unsubscribe, complaint]
steps:
  - { delay: 0, subject: "Hello {{company}}", text: "Hi, a question for {{company}}." }
  - { delay: 1h, text: "Second note." }
`;

/** Petrel on a moved clock with identity r1: its relay is `sink`, its mailbox USER on `d`. */
function petrelWithMailbox(sink: Sink, d: Dovecot): Promise<Petrel> {
  return startPetrel({
    clock: true,
    delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
    sending: { jitter: 0 },
    mailboxes: FAST_MAILBOXES,
    setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }, {
      args: ['identity', 'add', 'r1', '--from', USER, '--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port), '--relay-tls', 'none',
        '--imap-host', d.host, '--imap-port', String(d.port), '--imap-tls', 'none', '--imap-user', USER, '--imap-password-stdin'],
      stdin: `${PASS}\n`,
    }],
  });
}

describe('mailbox mail acts on campaigns: replies, out-of-office, bounces', () => {
  let p: Petrel;
  let d: Dovecot;
  let sink: Sink;
  const idOf = (address: string) => header(toContact(sink.messages(), address)[0]!, 'Message-ID')!;
  const states = () => contactStates(p, 'inbox');

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    d = await startDovecot({ users: [{ user: USER, password: PASS }] });
    p = await petrelWithMailbox(sink, d);
    await eventually(() => statusOf(p, 'r1')?.state === 'idle', () => `mailbox: ${JSON.stringify(statusOf(p, 'r1'))}`);
    await importContacts(p, 'leads', LEADS.map((email) => ({ email, company: email.split('@')[1]! })));
    await createCampaign(p, CAMPAIGN);
    await campaignCli(p, ['start', 'inbox', '--force']);
    await eventually(() => LEADS.every((l) => toContact(sink.messages(), l).length === 1), () => `step 1: ${sink.messages().length}`);
  });

  after(async () => {
    await p?.dispose();
    await d?.stop();
    await sink?.stop();
  });

  test('a reply in the INBOX stops the contact; contact.replied carries the new text', async () => {
    await d.deliver(USER, [`From: Rita <replier@r.test>`, `To: ${USER}`, 'Subject: Re: Hello r.test', `Message-ID: <reply-1@r.test>`,
      `In-Reply-To: ${idOf('replier@r.test')}`, '', 'Yes, call me on Tuesday.', '', `On Mon, Ann <${USER}> wrote:`, '> Hi, a question for r.test.', ''].join('\r\n'));
    await eventuallyAsync(async () => (await states())['replier@r.test']?.state === 'replied', () => 'reply not seen');
    const replied = eventsOf(p).filter((e) => e.type === 'contact.replied');
    assert.equal(replied.length, 1);
    const data = JSON.parse(replied[0]!.data ?? '{}') as Record<string, unknown>;
    assert.deepEqual([replied[0]!.recipient, data['snippet'], data['source']], ['replier@r.test', 'Yes, call me on Tuesday.', 'imap']);
  });

  test('an out-of-office with a return date pauses the contact until that day, then step 2 goes', async () => {
    const back = new Date(Math.floor((Date.now() + p.clockOffset + 2 * DAY) / DAY) * DAY).toISOString().slice(0, 10);
    await d.deliver(USER, [`From: ooo@o.test`, `To: ${USER}`, 'Subject: Automatic reply: Hello o.test', 'Auto-Submitted: auto-replied',
      `Message-ID: <ooo-1@o.test>`, `In-Reply-To: ${idOf('ooo@o.test')}`, '', `I am out of the office and back on ${back}.`, ''].join('\r\n'));
    await eventuallyAsync(async () => (await states())['ooo@o.test']?.reason === `out of office until ${back}`, () => 'no pause');
    assert.equal((await states())['ooo@o.test']!.state, 'active');
    await p.advance(3_600_000 + 1000);
    await eventually(() => toContact(sink.messages(), 'calm@c.test').length === 2, () => 'step 2 not sent to calm');
    assert.equal(toContact(sink.messages(), 'ooo@o.test').length, 1, 'paused until the return');
    await p.advance(2 * DAY);
    await eventually(() => toContact(sink.messages(), 'ooo@o.test').length === 2, () => 'step 2 not sent after the return');
  });

  test('a DSN in the mailbox marks the contact bounced and suppresses the address', async () => {
    const dsn = ['From: Mail Delivery Subsystem <mailer-daemon@googlemail.test>', `To: ${USER}`, 'Subject: Delivery Status Notification (Failure)',
      'Message-ID: <dsn-1@googlemail.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"', '',
      '--b1', 'Content-Type: text/plain', '', "Your message wasn't delivered to dead@d.test because the address couldn't be found.", '',
      '--b1', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; googlemail.test', '',
      'Final-Recipient: rfc822; dead@d.test', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 The email account does not exist.', '',
      '--b1', 'Content-Type: text/rfc822-headers', '', `From: ${USER}`, 'To: dead@d.test', 'Subject: Hello d.test', `Message-ID: ${idOf('dead@d.test')}`, '',
      '--b1--', ''].join('\r\n');
    await d.deliver(USER, dsn);
    await eventuallyAsync(async () => (await states())['dead@d.test']?.state === 'bounced', () => 'not bounced');
    assert.equal(suppressionsOf(p, 'dead@d.test')[0]?.reason, 'hard-bounce');
  });

  test('after a UIDVALIDITY reset nothing read before is acted on again; the mail list shows each once', async () => {
    await d.resetUidValidity(USER);
    await d.deliver(USER, [`From: new@n.test`, `To: ${USER}`, 'Subject: A question', 'Message-ID: <new-1@n.test>', '', 'Hello there.', ''].join('\r\n'));
    const listed = await eventuallyAsync(async () => {
      const rows = JSON.parse((await p.cli(['inbox', 'list', '--json'])).stdout) as Array<{ kind: string; subject: string }>;
      return rows.some((r) => r.subject === 'A question') && rows;
    }, () => 'the new mail was not read');
    assert.deepEqual(listed.map((r) => r.kind).sort(), ['auto_reply', 'bounce', 'other', 'reply']);
    assert.equal(eventsOf(p).filter((e) => e.type === 'contact.replied').length, 1);
    assert.equal(eventsOf(p).filter((e) => e.type === 'bounced').length, 1);
  });
});

// Without IDLE (a server that does not offer it), the same reply is found by polling: within one
// poll interval of mailboxes.pollSeconds (1 s here), not at the next IDLE safety re-read.
describe('without IDLE, a reply stops the contact at the next poll', () => {
  let p: Petrel;
  let d: Dovecot;
  let sink: Sink;

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    d = await startDovecot({ users: [{ user: USER, password: PASS }], idle: false });
    p = await petrelWithMailbox(sink, d);
    await eventually(() => statusOf(p, 'r1')?.state === 'polling', () => `mailbox: ${JSON.stringify(statusOf(p, 'r1'))}`);
    await importContacts(p, 'leads', [{ email: 'poll@p.test', company: 'p.test' }]);
    await createCampaign(p, CAMPAIGN);
    await campaignCli(p, ['start', 'inbox', '--force']);
    await eventually(() => toContact(sink.messages(), 'poll@p.test').length === 1, () => `step 1: ${sink.messages().length}`);
  });

  after(async () => {
    await p?.dispose();
    await d?.stop();
    await sink?.stop();
  });

  test('the mailbox polls, and the reply is read and stops the contact', async () => {
    const messageId = header(toContact(sink.messages(), 'poll@p.test')[0]!, 'Message-ID')!;
    await d.deliver(USER, [`From: poll@p.test`, `To: ${USER}`, 'Subject: Re: Hello p.test', 'Message-ID: <poll-1@p.test>',
      `In-Reply-To: ${messageId}`, '', 'Sounds good, send details.', ''].join('\r\n'));
    await eventuallyAsync(async () => (await contactStates(p, 'inbox'))['poll@p.test']?.state === 'replied', () => 'reply not seen by polling');
    await p.advance(3_600_000 + 1000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(toContact(sink.messages(), 'poll@p.test').length, 1, 'no step 2 after the reply');
  });
});
