// The exactly-once record of a step, through the queue's commit (prepareBatchInsert): the message, its
// campaign_sends row, the contact's advance and a campaign.sent event are written together, or none.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { CampaignStore } from './store.js';
import { addContacts, createCampaign, DAY, NOW, queueStep, queueSteps, row, stepMessage } from './testkit.js';

let store: TempStore;
let campaigns: CampaignStore;

const count = (sql: string, ...args: unknown[]) => store.db.prepare(sql).pluck().get(...args) as number;
const messageWritten = (id: string) => count('SELECT count(*) FROM messages WHERE id = ?', id) === 1;

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
  addContacts(store.db, 'leads', ['a@x.test', 'b@y.test']);
  createCampaign(store.db);
});

afterEach(() => store.cleanup());

describe('campaign send record', () => {
  it('writes the message with its send, advances the contact and records campaign.sent', () => {
    const id = queueStep(store.db, 'a@x.test', { identity: 'ann', variant: 'B', nextAt: NOW + 3 * DAY });
    assert.ok(messageWritten(id));
    assert.equal(row(store.db, 'SELECT state FROM recipients WHERE message_id = ?', id)?.['state'], 'queued');
    const [send] = campaigns.sends('spring', 'a@x.test');
    assert.deepEqual({ ...send, id: 0 }, {
      id: 0, campaign: 'spring', email: 'a@x.test', step: 1, variant: 'B', messageId: id, headerId: `${id.toLowerCase()}@acme.test`,
      identity: 'ann', subject: 'subject of step 1', sentAt: NOW, outcome: null,
    });
    const c = campaigns.contact('spring', 'a@x.test');
    assert.deepEqual([c?.state, c?.step, c?.nextAt, c?.identity, c?.startedAt, c?.lastSentAt], ['active', 1, NOW + 3 * DAY, 'ann', NOW, NOW]);
    const ev = row(store.db, `SELECT message_id, recipient, sending_domain, data FROM events WHERE type = 'campaign.sent'`);
    assert.deepEqual(ev, { message_id: id, recipient: 'a@x.test', sending_domain: 'acme.test', data: JSON.stringify({ campaign: 'spring', step: 1, variant: 'B', identity: 'ann' }) });
  });

  it('finishes the contact with its last step and keeps the identity of the first', () => {
    queueStep(store.db, 'a@x.test', { identity: 'ann' });
    queueStep(store.db, 'a@x.test', { step: 2, nextAt: null, identity: 'bob', at: NOW + 3 * DAY });
    const c = campaigns.contact('spring', 'a@x.test');
    assert.deepEqual([c?.state, c?.step, c?.nextAt, c?.identity, c?.startedAt, c?.lastSentAt], ['finished', 2, null, 'ann', NOW, NOW + 3 * DAY]);
  });

  it('does not write the same step twice: no message, no change, no second event', () => {
    queueStep(store.db, 'a@x.test');
    const before = campaigns.contact('spring', 'a@x.test');
    const again = queueStep(store.db, 'a@x.test', { at: NOW + 1000 });
    assert.equal(messageWritten(again), false);
    assert.equal(count('SELECT count(*) FROM recipients WHERE message_id = ?', again), 0);
    assert.equal(count('SELECT count(*) FROM campaign_sends'), 1);
    assert.deepEqual(campaigns.contact('spring', 'a@x.test'), before);
    assert.equal(count(`SELECT count(*) FROM events WHERE type = 'campaign.sent'`), 1);
  });

  it('does not write a step already recorded even if the contact was moved back (a crash retry)', () => {
    queueStep(store.db, 'a@x.test');
    store.db.prepare(`UPDATE campaign_contacts SET step = 0, state = 'pending' WHERE email = 'a@x.test'`).run();
    const again = queueStep(store.db, 'a@x.test', { at: NOW + 1000 });
    assert.equal(messageWritten(again), false);
    assert.equal(campaigns.contact('spring', 'a@x.test')?.step, 0);
  });

  it('does not write a step for a contact that stopped, skipped a step, or is not in the campaign', () => {
    store.db.prepare(`UPDATE campaign_contacts SET state = 'replied' WHERE email = 'a@x.test'`).run();
    assert.equal(messageWritten(queueStep(store.db, 'a@x.test')), false);
    assert.equal(campaigns.contact('spring', 'a@x.test')?.state, 'replied');
    assert.equal(messageWritten(queueStep(store.db, 'b@y.test', { step: 2 })), false);
    assert.equal(messageWritten(queueStep(store.db, 'nobody@z.test')), false);
    assert.equal(messageWritten(queueStep(store.db, 'b@y.test', { campaign: 'other' })), false);
    assert.equal(count('SELECT count(*) FROM campaign_sends'), 0);
    assert.equal(count('SELECT count(*) FROM events'), 0);
  });

  it('leaves the other messages of the batch alone', () => {
    store.db.prepare(`UPDATE campaign_contacts SET state = 'unsubscribed' WHERE email = 'a@x.test'`).run();
    const plain = stepMessage('carol@z.test');
    delete plain.envelope.campaign;
    const [stopped, sent, other] = queueSteps(store.db, [stepMessage('a@x.test'), stepMessage('b@y.test'), plain]);
    assert.deepEqual([messageWritten(stopped!), messageWritten(sent!), messageWritten(other!)], [false, true, true]);
    assert.equal(campaigns.contact('spring', 'b@y.test')?.step, 1);
    assert.equal(count(`SELECT count(*) FROM events WHERE type = 'accepted'`), 2);
  });
});
