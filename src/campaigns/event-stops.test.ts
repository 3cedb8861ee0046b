// EventStops.drain: bounces, expiries, suppressions, complaints and opt-outs about campaign sends,
// read after the cursor, stop their contacts; the cursor persists, so nothing is applied twice.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EventStore } from '../events/store.js';
import type { NewEvent } from '../events/types.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import { Cursors } from './cursors.js';
import { EventStops } from './event-stops.js';
import { ContactStops } from './stops.js';
import { CampaignStore } from './store.js';
import { addContacts, createCampaign, NOW, queueStep } from './testkit.js';

const EMAILS = ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test'];
let store: TempStore;
let campaigns: CampaignStore;
let ids: Record<string, string>;

const drain = () => new EventStops(store.db, new ContactStops(store.db)).drain();
const append = (...events: NewEvent[]) => new EventStore(store.db).append(events);
const stateOf = (email: string) => campaigns.contact('spring', email)?.state;
const contactEvents = () => store.db.prepare(`SELECT type, recipient, reason, json_extract(data, '$.source') AS source FROM events
  WHERE type LIKE 'contact.%' ORDER BY id`).all() as Array<{ type: string; recipient: string; reason: string; source: string }>;

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
  addContacts(store.db, 'leads', EMAILS);
  createCampaign(store.db);
  new SuppressionStore(store.db).add({ address: 'e@x.test', reason: 'hard-bounce' }, NOW);
  ids = Object.fromEntries(EMAILS.map((e) => [e, queueStep(store.db, e)]));
});

afterEach(() => store.cleanup());

describe('EventStops.drain', () => {
  it('stops the contact of each bounce, expiry, suppression, complaint and opt-out', () => {
    append(
      { at: NOW + 1, type: 'bounced', messageId: ids['a@x.test']!, recipient: 'a@x.test', code: 550, enhanced: '5.1.1', text: 'user unknown' },
      { at: NOW + 2, type: 'expired', messageId: ids['b@x.test']!, recipient: 'b@x.test', text: 'gave up after 5 days' },
      { at: NOW + 3, type: 'complained', messageId: ids['c@x.test']!, recipient: 'c@x.test', reason: 'abuse', data: { source: 'report' } },
      { at: NOW + 4, type: 'unsubscribed', messageId: ids['d@x.test']!, recipient: 'd@x.test', reason: 'opt-out', data: { source: 'report' } },
    );
    assert.equal(drain(), 5);
    assert.deepEqual(EMAILS.map(stateOf), ['bounced', 'bounced', 'complained', 'unsubscribed', 'bounced']);
    assert.deepEqual(contactEvents().map((e) => [e.type, e.recipient, e.reason, e.source]), [
      ['contact.bounced', 'e@x.test', 'hard-bounce', 'suppression'],
      ['contact.bounced', 'a@x.test', '550 5.1.1 user unknown', 'delivery'],
      ['contact.bounced', 'b@x.test', 'gave up after 5 days', 'delivery'],
      ['contact.complained', 'c@x.test', 'abuse', 'report'],
      ['contact.unsubscribed', 'd@x.test', 'opt-out', 'report'],
    ]);
  });

  it('ignores other events and events about other messages', () => {
    append(
      { at: NOW + 1, type: 'delivered', messageId: ids['a@x.test']!, recipient: 'a@x.test' },
      { at: NOW + 1, type: 'deferred', messageId: ids['b@x.test']!, recipient: 'b@x.test' },
      { at: NOW + 1, type: 'bounced', messageId: '01KZZZZZZZZZZZZZZZZZZZZZZZ', recipient: 'c@x.test' },
      { at: NOW + 1, type: 'bounced', recipient: 'd@x.test' },
    );
    assert.equal(drain(), 1);
    assert.deepEqual(EMAILS.map(stateOf), ['active', 'active', 'active', 'active', 'bounced']);
  });

  it('reads only after its cursor, and keeps the cursor across restarts', () => {
    append({ at: NOW + 1, type: 'bounced', messageId: ids['a@x.test']!, recipient: 'a@x.test' });
    const last = new EventStore(store.db).lastId();
    new Cursors(store.db).set('events', last);
    append({ at: NOW + 2, type: 'bounced', messageId: ids['b@x.test']!, recipient: 'b@x.test' });
    const newest = new EventStore(store.db).lastId();
    assert.equal(drain(), 1);
    assert.deepEqual([stateOf('a@x.test'), stateOf('b@x.test')], ['active', 'bounced']);
    assert.equal(new Cursors(store.db).get('events', () => -1), newest);
    assert.equal(drain(), 0);
    assert.equal(contactEvents().length, 1);
  });

  it('counts only contacts that stopped: stopOn without bounce records the outcome alone', () => {
    store.db.prepare(`UPDATE campaigns SET definition = json_set(definition, '$.stopOn', json('["reply"]'))`).run();
    append({ at: NOW + 1, type: 'bounced', messageId: ids['a@x.test']!, recipient: 'a@x.test' });
    assert.equal(drain(), 0);
    assert.equal(stateOf('a@x.test'), 'active');
    assert.equal(campaigns.sends('spring', 'a@x.test')[0]!.outcome, 'bounced');
  });
});
