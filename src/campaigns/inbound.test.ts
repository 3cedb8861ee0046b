// InboundWatcher.drain: a reply naming a sent Message-ID (or from the contact to its identity) stops the
// contact; an automatic reply is only recorded; bounces are ignored; mail to unsub+TOKEN@ unsubscribes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { prepareBatchInsert } from '../queue/message-rows.js';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { makeEnvelope } from '../queue/testkit.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import { createLogger } from '../util/log.js';
import { InboundWatcher } from './inbound.js';
import { ContactStops } from './stops.js';
import { CampaignStore } from './store.js';
import { addContacts, createCampaign, DAY, headerIdOf, NOW, SENDER, queueStep } from './testkit.js';
import { UnsubscribeTokens, unsubscribeLocal } from './unsubscribe-token.js';

const log = createLogger({ log: { level: 'silent' } });
const tokens = new UnsubscribeTokens(Buffer.alloc(32, 3));
const ids = new QueueIdGenerator();
let store: TempStore;
let campaigns: CampaignStore;
let first: string;
let second: string;

const watcher = () => new InboundWatcher({ db: store.db, dataDir: store.dataDir, stops: new ContactStops(store.db), tokens, log });
const stateOf = (email: string) => campaigns.contact('spring', email)?.state;
const events = (type: string) => store.db.prepare('SELECT message_id AS messageId, recipient, reason FROM events WHERE type = ? ORDER BY id').all(type);

/** Mail received on the MX: `head` is its header block. */
function receive(head: string, o: { sender?: string; to?: string; bodyPath?: string } = {}): string {
  const id = ids.next(NOW + DAY);
  const envelope = makeEnvelope({ role: 'mx', sender: o.sender ?? 'a@x.test', recipients: [{ address: o.to ?? SENDER }], receivedAt: NOW + DAY });
  const data = Buffer.from(`${head}\r\n\r\nThanks, tell me more.\r\n`);
  prepareBatchInsert(store.db)([{ id, envelope, body: { kind: 'memory', data, size: data.length } }]);
  if (o.bodyPath) store.db.prepare('UPDATE messages SET body = NULL, body_path = ? WHERE id = ?').run(o.bodyPath, id);
  return id;
}

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
  addContacts(store.db, 'leads', ['a@x.test', 'b@x.test']);
  createCampaign(store.db);
  first = queueStep(store.db, 'a@x.test');
  second = queueStep(store.db, 'a@x.test', { step: 2, at: NOW + 3 * DAY, nextAt: null });
  queueStep(store.db, 'b@x.test');
  assert.equal(watcher().drain(), 0, 'the first drain starts at the end');
});

afterEach(() => store.cleanup());

describe('InboundWatcher.drain', () => {
  it('stops the contact whose sent Message-ID a reply names, the newest one it names', () => {
    receive(`From: A <a@x.test>\r\nSubject: Re: Hi\r\nIn-Reply-To: <${headerIdOf(first)}>\r\nReferences: <unknown@else.test> <${headerIdOf(first)}> <${headerIdOf(second)}>`);
    assert.equal(watcher().drain(), 1);
    assert.deepEqual([stateOf('a@x.test'), stateOf('b@x.test')], ['replied', 'active']);
    assert.deepEqual(events('contact.replied'), [{ messageId: second, recipient: 'a@x.test', reason: 'Re: Hi' }]);
    assert.equal(campaigns.sends('spring', 'a@x.test')[1]!.outcome, 'replied');
  });

  it('finds a reply without threading fields by its sender and the address it went to', () => {
    receive('From: "A" <A@X.test>\r\nSubject: about your mail', { sender: 'bounce-a@x.test' });
    assert.equal(watcher().drain(), 1);
    assert.equal(stateOf('a@x.test'), 'replied');
    receive('From: b@x.test\r\nSubject: hello', { sender: 'b@x.test', to: 'someone@acme.test' });
    assert.equal(watcher().drain(), 0);
    assert.equal(stateOf('b@x.test'), 'active');
  });

  it('records an automatic reply as contact.auto_replied only; the sequence goes on', () => {
    receive(`From: a@x.test\r\nSubject: Out of Office: Hi\r\nAuto-Submitted: auto-replied\r\nIn-Reply-To: <${headerIdOf(first)}>`);
    assert.equal(watcher().drain(), 1);
    assert.equal(stateOf('a@x.test'), 'finished');
    assert.deepEqual(events('contact.auto_replied'), [{ messageId: first, recipient: 'a@x.test', reason: 'Out of Office: Hi' }]);
    assert.deepEqual(events('contact.replied'), []);
    assert.equal(campaigns.sends('spring', 'a@x.test')[0]!.outcome, null);
  });

  it('an automatic reply pauses an active contact until the return its body states (as mail read from a mailbox does)', () => {
    const b = campaigns.sends('spring', 'b@x.test')[0]!;
    const due = campaigns.contact('spring', 'b@x.test')!.nextAt!;
    receive(`From: b@x.test\r\nSubject: Automatic reply: Hi\r\nIn-Reply-To: <${b.headerId}>\r\n\r\nI am back on 20 March.`);
    assert.equal(watcher().drain(), 1);
    const c = campaigns.contact('spring', 'b@x.test')!;
    assert.deepEqual([c.state, c.nextAt, c.reason], ['active', Date.UTC(2026, 2, 20), 'out of office until 2026-03-20']);
    assert.ok(c.nextAt! > due);
  });

  it('reads raw UTF-8 header fields (RFC 6532): an 8-bit vacation subject is automatic, a reply keeps its subject', () => {
    receive(`From: a@x.test\r\nSubject: 自動返信: Hi\r\nIn-Reply-To: <${headerIdOf(first)}>`);
    receive(`From: b@x.test\r\nSubject: Re: Café à Zürich?\r\nIn-Reply-To: <${campaigns.sends('spring', 'b@x.test')[0]!.headerId}>`);
    assert.equal(watcher().drain(), 2);
    assert.deepEqual([stateOf('a@x.test'), stateOf('b@x.test')], ['finished', 'replied']);
    assert.deepEqual(events('contact.auto_replied').map((e) => (e as { reason: string }).reason), ['自動返信: Hi']);
    assert.deepEqual(events('contact.replied').map((e) => (e as { reason: string }).reason), ['Re: Café à Zürich?']);
  });

  it('ignores bounces: the null sender and multipart/report', () => {
    receive(`From: MAILER-DAEMON@x.test\r\nSubject: Undelivered\r\nIn-Reply-To: <${headerIdOf(first)}>`, { sender: '' });
    receive(`From: a@x.test\r\nContent-Type: multipart/report; report-type=delivery-status\r\nIn-Reply-To: <${headerIdOf(first)}>`);
    assert.equal(watcher().drain(), 0);
    assert.equal(stateOf('a@x.test'), 'finished');
  });

  it('unsubscribes mail to unsub+TOKEN@, also from the null sender; a forged token does nothing', () => {
    const token = tokens.mint(first);
    receive('Subject: unsubscribe', { sender: '', to: `${unsubscribeLocal(token.toUpperCase())}@petrel.acme.test` });
    const forged = new UnsubscribeTokens(Buffer.alloc(32, 4)).mint(campaigns.sends('spring', 'b@x.test')[0]!.messageId);
    receive('Subject: unsubscribe', { sender: 'b@x.test', to: `${unsubscribeLocal(forged)}@petrel.acme.test` });
    assert.equal(watcher().drain(), 1);
    assert.deepEqual([stateOf('a@x.test'), stateOf('b@x.test')], ['unsubscribed', 'active']);
    assert.equal(new SuppressionStore(store.db).isSuppressed('a@x.test', 'acme.test', NOW + DAY)?.reason, 'unsubscribe');
  });

  it('keeps its cursor: mail read once is not read again, and an unreadable message is skipped', () => {
    receive('From: a@x.test\r\nSubject: spooled', { bodyPath: 'spool/missing.eml' });
    receive(`From: b@x.test\r\nSubject: Re: Hi\r\nIn-Reply-To: <${campaigns.sends('spring', 'b@x.test')[0]!.headerId}>`);
    assert.equal(watcher().drain(), 1);
    assert.deepEqual([stateOf('a@x.test'), stateOf('b@x.test')], ['finished', 'replied']);
    store.db.prepare(`UPDATE campaign_contacts SET state = 'active' WHERE email = 'b@x.test'`).run();
    assert.equal(watcher().drain(), 0);
    assert.equal(stateOf('b@x.test'), 'active');
  });
});
