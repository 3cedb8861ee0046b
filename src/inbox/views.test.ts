// The inbox's views over inbox_messages and campaign_sends: filters, the id cursor under inserts, a
// thread (our steps, their mail), handled marks, and the reply's threading fields and unsubscribe decisions.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ContactStops } from '../campaigns/stops.js';
import { CampaignStore } from '../campaigns/store.js';
import { addContacts, createCampaign, NOW, queueStep } from '../campaigns/testkit.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { replyReferences, replySender, replySubject, ReplyError } from './reply.js';
import { insertInboxRow } from './testkit.js';
import { decideUnsubscribe } from './unsubscribe-confirm.js';
import { InboxViews } from './views.js';

let store: TempStore;
let views: InboxViews;

beforeEach(() => {
  store = makeTempStore();
  views = new InboxViews(store.db);
});
afterEach(() => store.cleanup());

/** A campaign "spring" with two steps sent to lead@remote.test; the sends, oldest first. */
function twoSteps() {
  addContacts(store.db, 'leads', ['lead@remote.test']);
  createCampaign(store.db);
  queueStep(store.db, 'lead@remote.test', { step: 1, identity: 'ann' });
  queueStep(store.db, 'lead@remote.test', { step: 2, identity: 'ann', at: NOW + 1000 });
  return new CampaignStore(store.db).sends('spring', 'lead@remote.test');
}

describe('InboxViews.list', () => {
  it('filters by campaign, identity, kind and unread, newest first', () => {
    const [s1] = twoSteps();
    const a = insertInboxRow(store.db, { identity: 'ann', campaign: 'spring', email: 'lead@remote.test', sendId: s1!.id });
    const b = insertInboxRow(store.db, { identity: 'bob', kind: 'auto_reply', from: 'away@remote.test' });
    const c = insertInboxRow(store.db, { identity: 'ann', kind: 'unsubscribe', unsubscribe: 'suggested' });
    views.markRead(c);
    const ids = (f: Parameters<InboxViews['list']>[0]) => views.list(f).map((m) => m.id);
    assert.deepEqual(ids({ limit: 10 }), [c, b, a]);
    assert.deepEqual(ids({ limit: 10, campaign: 'spring' }), [a]);
    assert.deepEqual(ids({ limit: 10, identity: 'ann' }), [c, a]);
    assert.deepEqual(ids({ limit: 10, kind: 'auto_reply' }), [b]);
    assert.deepEqual(ids({ limit: 10, unread: true }), [b, a]);
    assert.deepEqual(ids({ limit: 10, unread: false }), [c]);
    const first = views.get(a)!;
    assert.equal(first.step, 1);
    assert.equal(first.contact, 'lead@remote.test');
    assert.equal(views.get(b)!.contact, 'away@remote.test', 'the sender when no contact matched');
  });

  it('pages by id: rows arriving between pages neither repeat nor shift the next page', () => {
    const made = Array.from({ length: 5 }, () => insertInboxRow(store.db, { identity: 'ann' }));
    const page1 = views.list({ limit: 2 }).map((m) => m.id);
    assert.deepEqual(page1, [made[4], made[3]]);
    insertInboxRow(store.db, { identity: 'ann' }); // new mail while paging
    const page2 = views.list({ limit: 2, beforeId: page1.at(-1)! }).map((m) => m.id);
    assert.deepEqual(page2, [made[2], made[1]]);
    assert.deepEqual(views.list({ limit: 2, beforeId: page2.at(-1)! }).map((m) => m.id), [made[0]]);
  });
});

describe('InboxViews.thread and marks', () => {
  it('shows our steps to the contact and their mail to that identity, oldest first', () => {
    const sends = twoSteps();
    const older = insertInboxRow(store.db, { identity: 'ann', campaign: 'spring', email: 'lead@remote.test', sendId: sends[0]!.id, date: NOW + 10 });
    insertInboxRow(store.db, { identity: 'bob', from: 'lead@remote.test', date: NOW + 15 }); // another mailbox: not in this thread
    const newer = insertInboxRow(store.db, { identity: 'ann', campaign: 'spring', email: 'lead@remote.test', sendId: sends[1]!.id, date: NOW + 20 });
    const t = views.thread(newer)!;
    assert.deepEqual(t.sent.map((s) => s.step), [1, 2]);
    assert.deepEqual(t.received.map((m) => m.id), [older, newer]);
    assert.equal(views.thread(9999), null);
  });

  it('handled marks this message and earlier unhandled ones of that contact and identity, read too', () => {
    const a = insertInboxRow(store.db, { identity: 'ann', from: 'x@remote.test' });
    const other = insertInboxRow(store.db, { identity: 'ann', from: 'y@remote.test' });
    const b = insertInboxRow(store.db, { identity: 'ann', from: 'X@remote.test' });
    const later = insertInboxRow(store.db, { identity: 'ann', from: 'x@remote.test' });
    assert.equal(views.markHandled(views.get(b)!, NOW), 2);
    assert.deepEqual([a, b, other, later].map((id) => views.get(id)!.handled), [true, true, false, false]);
    assert.equal(views.get(a)!.unread, false);
  });
});

describe('replies', () => {
  const identity = { name: 'ann', from: 'ann@acme.test' } as never;

  it('Re: once, References rebuilt from our steps up to the answered one, then theirs', () => {
    assert.equal(replySubject('hello'), 'Re: hello');
    assert.equal(replySubject('RE: hello'), 'RE: hello');
    assert.equal(replySubject(null), 'Re:');
    const sends = twoSteps();
    const id = insertInboxRow(store.db, { identity: 'ann', campaign: 'spring', email: 'lead@remote.test', headerId: 'theirs@remote.test', inReplyTo: sends[0]!.headerId });
    const m = views.get(id)!;
    const sent = views.thread(id)!.sent;
    assert.deepEqual(replyReferences(m, sent), [sends[0]!.headerId, 'theirs@remote.test']);
    const chosen = replySender(m, sent, identity, { text: 'hi' }, null);
    assert.equal(chosen.input.from.address, 'ann@acme.test');
    assert.equal(chosen.input.to[0]!.address, 'lead@remote.test');
    assert.equal(chosen.input.headers!['In-Reply-To'], '<theirs@remote.test>');
    assert.equal(chosen.input.headers!['References'], `<${sends[0]!.headerId}> <theirs@remote.test>`);
  });

  it('refuses without a sender address or an identity', () => {
    const m = views.get(insertInboxRow(store.db, { identity: 'ann', from: null }))!;
    assert.throws(() => replySender(m, [], identity, { text: 'hi' }, null), ReplyError);
    const n = views.get(insertInboxRow(store.db, { identity: 'gone' }))!;
    assert.throws(() => replySender(n, [], null, { text: 'hi' }, null), /no longer exists/);
  });
});

describe('unsubscribe decisions', () => {
  const deps = () => ({ db: store.db, stops: new ContactStops(store.db), scope: 'global' as const, sendingDomain: 'acme.test' });

  it('confirm on a matched send suppresses and stops the contact; dismiss only records', () => {
    const [s1] = twoSteps();
    const id = insertInboxRow(store.db, { identity: 'ann', kind: 'unsubscribe', unsubscribe: 'suggested', campaign: 'spring', email: 'lead@remote.test', sendId: s1!.id });
    assert.equal(decideUnsubscribe(deps(), views.get(id)!, true, NOW), 'confirmed');
    assert.equal(new CampaignStore(store.db).contact('spring', 'lead@remote.test')?.state, 'unsubscribed');
    assert.throws(() => decideUnsubscribe(deps(), views.get(id)!, false, NOW), /confirmed already/);
    const other = insertInboxRow(store.db, { identity: 'ann', kind: 'unsubscribe', unsubscribe: 'suggested', from: 'z@remote.test' });
    assert.equal(decideUnsubscribe(deps(), views.get(other)!, false, NOW), 'dismissed');
    assert.equal(views.get(other)!.unsubscribe, 'dismissed');
    const rows = store.db.prepare("SELECT address FROM suppressions WHERE reason = 'unsubscribe' ORDER BY address").pluck().all();
    assert.deepEqual(rows, ['lead@remote.test']);
  });

  it('confirm without a send suppresses the sender only', () => {
    const id = insertInboxRow(store.db, { identity: 'ann', kind: 'unsubscribe', unsubscribe: 'suggested', from: 'Z@remote.test' });
    decideUnsubscribe(deps(), views.get(id)!, true, NOW);
    assert.deepEqual(store.db.prepare("SELECT address FROM suppressions WHERE reason = 'unsubscribe'").pluck().all(), ['z@remote.test']);
  });
});
