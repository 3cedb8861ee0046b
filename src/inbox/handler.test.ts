// inboxHandler over a real store: replies (threaded, or by sender and subject) stop the contact with a
// snippet, auto-replies pause it until the return, bounces in the mailbox are recorded like reports on
// our MX, unsubscribe requests are kept as suggestions, and nothing is acted on twice.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EventStops } from '../campaigns/event-stops.js';
import { ContactStops } from '../campaigns/stops.js';
import { CampaignStore } from '../campaigns/store.js';
import { addContacts, createCampaign, DAY, headerIdOf, NOW, queueStep, SENDER } from '../campaigns/testkit.js';
import { checkConfigText } from '../config/load.js';
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailboxActions, MailHandler } from '../mailboxes/types.js';
import type { QueueWriter } from '../queue/writer.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import { createLogger } from '../util/log.js';
import { inboxHandler } from './handler.js';

const AT = NOW + DAY; // Tuesday 3 March 2026, 10:00 UTC
const TESTDATA = new URL('../../../../shared/testdata/bounces/given/', import.meta.url);
let store: TempStore;
let campaigns: CampaignStore;
let handler: MailHandler;
let wakes: number;
let uid: number;
let first: string;

const actions: MailboxActions = { moveToInbox: async () => {}, addFlags: async () => {} };

function deps(): MailDeps {
  return {
    db: store.db, config: checkConfigText(''), log: createLogger({ log: { level: 'silent' } }), clock: () => AT,
    secretKey: Buffer.alloc(32, 1), queue: {} as QueueWriter, wakeDelivery: () => {}, wakeCampaigns: () => { wakes++; },
  };
}

const mail = (raw: string | Buffer, o: Partial<ArrivedMail> = {}): ArrivedMail => ({
  identity: 'ann', address: SENDER, folder: 'INBOX', junk: false, uidValidity: 7, uid: ++uid, flags: [], internalDate: AT,
  raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw.replace(/\r?\n/g, '\r\n')), truncated: false, ...o,
});

const handle = (raw: string | Buffer, o: Partial<ArrivedMail> = {}) => handler.handle(mail(raw, o), actions);
const inbox = () => store.db.prepare('SELECT kind, from_addr AS fromAddr, subject, snippet, campaign, email, send_id AS sendId, return_at AS returnAt, unsubscribe FROM inbox_messages ORDER BY id').all() as Array<Record<string, unknown>>;
const events = (type: string) => (store.db.prepare('SELECT message_id AS messageId, recipient, reason, data FROM events WHERE type = ? ORDER BY id').all(type) as Array<{ messageId: string; recipient: string; reason: string; data: string }>)
  .map((e) => ({ ...e, data: JSON.parse(e.data) as Record<string, unknown> }));
const contact = (email: string) => campaigns.contact('spring', email)!;

function reply(o: { from?: string; subject?: string; inReplyTo?: string; body?: string; id?: string; extra?: string } = {}): string {
  return [
    `From: ${o.from ?? 'A Person <a@x.test>'}`, `To: ${SENDER}`, `Subject: ${o.subject ?? 'Re: subject of step 1'}`,
    `Date: Tue, 03 Mar 2026 09:00:00 +0000`, `Message-ID: <${o.id ?? `r${uid + 1}@x.test`}>`,
    ...(o.inReplyTo ? [`In-Reply-To: <${o.inReplyTo}>`] : []), ...(o.extra ? [o.extra] : []),
    'Content-Type: text/plain; charset=utf-8', '',
    o.body ?? 'Sounds good, call me on Tuesday.\n\nOn Mon, 2 Mar 2026, Ann <ann@acme.test> wrote:\n> Hello.',
  ].join('\n');
}

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
  addContacts(store.db, 'leads', ['a@x.test', 'b@x.test']);
  createCampaign(store.db);
  first = queueStep(store.db, 'a@x.test', { identity: 'ann' });
  queueStep(store.db, 'b@x.test', { identity: 'ann' });
  handler = inboxHandler(deps());
  wakes = 0;
  uid = 0;
});

afterEach(() => store.cleanup());

describe('inboxHandler', () => {
  it('a threaded reply stops the contact; contact.replied carries the new text as snippet', async () => {
    assert.equal(await handle(reply({ inReplyTo: headerIdOf(first) })), true);
    assert.equal(contact('a@x.test').state, 'replied');
    assert.equal(contact('b@x.test').state, 'active');
    const [e] = events('contact.replied');
    assert.equal(e?.messageId, first);
    assert.deepEqual([e?.data['source'], e?.data['snippet']], ['imap', 'Sounds good, call me on Tuesday.']);
    assert.deepEqual(inbox(), [{ kind: 'reply', fromAddr: 'a@x.test', subject: 'Re: subject of step 1', snippet: 'Sounds good, call me on Tuesday.', campaign: 'spring', email: 'a@x.test', sendId: campaigns.sends('spring', 'a@x.test')[0]!.id, returnAt: null, unsubscribe: null }]);
    assert.equal(campaigns.sends('spring', 'a@x.test')[0]!.outcome, 'replied');
    assert.equal(wakes, 1);
  });

  it('a reply without threading fields is matched by sender and the thread subject (AW:, SV:, Fwd:)', async () => {
    await handle(reply({ from: 'B <B@X.test>', subject: 'AW: SV: subject of step 1' }));
    assert.equal(contact('b@x.test').state, 'replied');
    await handle(reply({ from: 'a@x.test', subject: 'Something else' }));
    assert.equal(contact('a@x.test').state, 'active', 'another subject is not this thread');
    assert.deepEqual(inbox().map((m) => m.kind), ['reply', 'other']);
  });

  it('is idempotent: the same UID, or the same Message-ID after a UIDVALIDITY reset, is not acted on twice', async () => {
    const raw = reply({ inReplyTo: headerIdOf(first), id: 'once@x.test' });
    await handle(raw, { uid: 5 });
    await handle(raw, { uid: 5 });
    await handle(raw, { uid: 1, uidValidity: 8 });
    assert.equal(inbox().length, 1);
    assert.equal(events('contact.replied').length, 1);
    assert.equal(wakes, 1);
  });

  it('an out-of-office reply pauses the sequence until the stated return, and is not a reply', async () => {
    const before = contact('a@x.test').nextAt!;
    await handle(reply({ subject: 'Abwesenheitsnotiz: subject of step 1', inReplyTo: headerIdOf(first), extra: 'Auto-Submitted: auto-replied',
      body: 'Ich bin bis zum 20.03.2026 nicht im Büro.' }));
    const c = contact('a@x.test');
    assert.equal(c.state, 'active');
    assert.equal(c.nextAt, Date.UTC(2026, 2, 21));
    assert.ok(c.nextAt! > before);
    assert.equal(c.reason, 'out of office until 2026-03-21');
    assert.deepEqual(events('contact.auto_replied').map((e) => [e.messageId, e.data['until'], e.data['paused']]), [[first, '2026-03-21', true]]);
    assert.deepEqual(events('contact.replied'), []);
    assert.deepEqual(inbox().map((m) => [m.kind, m.returnAt]), [['auto_reply', Date.UTC(2026, 2, 21)]]);
    // The engine picks contacts by next_at; the reason does not hold them back once the day comes.
    assert.deepEqual(campaigns.due('spring', Date.UTC(2026, 2, 20), 10).map((d) => d.email), ['b@x.test']);
    assert.deepEqual(campaigns.due('spring', Date.UTC(2026, 2, 21), 10).map((d) => d.email), ['b@x.test', 'a@x.test']);
  });

  it('an auto-reply without a date pauses for autoReplyPauseDays; never moves a later step earlier', async () => {
    const due = contact('a@x.test').nextAt!; // NOW + 3 days
    await handle(reply({ subject: 'Automatic reply: subject of step 1', inReplyTo: headerIdOf(first), body: 'I am out of the office.' }));
    assert.equal(contact('a@x.test').nextAt, Math.max(due, AT + 3 * DAY));
    await handle(reply({ from: 'b@x.test', subject: 'Out of Office', inReplyTo: campaigns.sends('spring', 'b@x.test')[0]!.headerId, body: 'Back on 1 April.' }));
    assert.equal(contact('b@x.test').nextAt, Date.UTC(2026, 3, 1));
  });

  it('an auto-reply without threading fields is matched by its sender (its subject need not name the thread)', async () => {
    await handle(reply({ subject: 'Réponse automatique : subject of step 1', body: "Je suis absent jusqu'au 10 mars." }));
    await handle(reply({ from: 'b@x.test', subject: 'Out of Office', body: 'Back on 12 March.' }));
    assert.deepEqual(inbox().map((m) => [m.kind, m.email]), [['auto_reply', 'a@x.test'], ['auto_reply', 'b@x.test']]);
    assert.deepEqual([contact('a@x.test').nextAt, contact('b@x.test').nextAt], [Date.UTC(2026, 2, 11), Date.UTC(2026, 2, 12)]);
  });

  it('reads a real RFC 3834 auto-reply and its stated return', async () => {
    await handle(readFileSync(new URL('rfc3834-01.eml', TESTDATA)));
    const [m] = inbox();
    assert.equal(m?.kind, 'auto_reply');
    assert.equal(m?.returnAt, Date.UTC(2026, 4, 5), 'returning to the office on May 5th');
  });

  it('an unsubscribe request by reply stops the contact as a reply, and is suggested, not suppressed', async () => {
    await handle(reply({ inReplyTo: headerIdOf(first), body: 'Please remove me from your list.\n\nOn Mon, Ann wrote:\n> Hello' }));
    assert.equal(contact('a@x.test').state, 'replied');
    assert.deepEqual(inbox().map((m) => [m.kind, m.unsubscribe]), [['unsubscribe', 'suggested']]);
    assert.deepEqual(events('contact.unsubscribe_requested').map((e) => [e.recipient, e.data['snippet']]), [['a@x.test', 'Please remove me from your list.']]);
    assert.equal(new SuppressionStore(store.db).isSuppressed('a@x.test', 'acme.test', AT), null);
  });

  it('a DSN in the mailbox is matched by the original Message-ID: bounced event, suppression, contact bounced', async () => {
    await handle(dsn(headerIdOf(first), 'a@x.test'));
    assert.deepEqual(inbox().map((m) => [m.kind, m.email]), [['bounce', 'a@x.test']]);
    assert.deepEqual(events('bounced').map((e) => [e.messageId, e.recipient, e.data['source']]), [[first, 'a@x.test', 'imap']]);
    assert.equal(new SuppressionStore(store.db).isSuppressed('a@x.test', 'acme.test', AT)?.reason, 'hard-bounce');
    new EventStops(store.db, new ContactStops(store.db)).drain();
    assert.equal(contact('a@x.test').state, 'bounced');
  });

  it('keeps a bounce about mail we did not send, and real bounces and complaints from other MTAs, without acting', async () => {
    await handle(dsn('unknown@else.test', 'a@x.test'));
    await handle(readFileSync(new URL('lhost-gmail-03.eml', TESTDATA)));
    await handle(readFileSync(new URL('arf-01.eml', TESTDATA)));
    assert.deepEqual(inbox().map((m) => m.kind), ['bounce', 'bounce', 'complaint']);
    assert.deepEqual(events('bounced'), []);
    assert.equal(contact('a@x.test').state, 'active');
  });

  it('stores HTML-only mail as text, and unparseable mail as other without failing', async () => {
    await handle([`From: c@y.test`, `Subject: Hello`, 'Content-Type: text/html', '', '<p>Hi <b>there</b></p><blockquote>old</blockquote>'].join('\n'));
    await handle(Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x0a]));
    assert.deepEqual(inbox().map((m) => [m.kind, m.snippet]), [['other', 'Hi there'], ['other', '']]);
  });
});

function dsn(originalId: string, recipient: string): string {
  return [
    'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>', `To: ${SENDER}`, 'Subject: Delivery Status Notification (Failure)',
    'Message-ID: <dsn1@googlemail.com>', 'MIME-Version: 1.0', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain', '', `Your message wasn't delivered to ${recipient} because the address couldn't be found.`, '',
    '--b1', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; googlemail.com', '',
    `Final-Recipient: rfc822; ${recipient}`, 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 The email account that you tried to reach does not exist.', '',
    '--b1', 'Content-Type: text/rfc822-headers', '', `From: ${SENDER}`, `To: ${recipient}`, 'Subject: subject of step 1', `Message-ID: <${originalId}>`, '',
    '--b1--', '',
  ].join('\n');
}
