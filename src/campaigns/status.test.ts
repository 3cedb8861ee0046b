// campaignStatus: per step and variant, the sends and what became of them (from campaign_sends and
// the first recipient's state), opened/clicked only with tracking, and the contacts by state.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import type { CampaignInput } from './definition.js';
import { campaignStatus, renderStatus } from './status.js';
import { addContacts, createCampaign, DAY, NOW, queueStep } from './testkit.js';

let store: TempStore;
const EMAILS = ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test', 'e@x.test'];
const STEPS: CampaignInput['steps'] = [
  { delay: 0, subject: 'Hi', text: 'x', variants: [{ text: 'a' }, { id: 'short', subject: 'Yo', text: 'b' }] },
  { delay: '2 business days', text: 'Following up.' },
];

/** Step 1 to every contact (variant A to the first three), then what became of each send. */
function sendAll(): void {
  const ids = EMAILS.map((e, i) => queueStep(store.db, e, { variant: i < 3 ? 'A' : 'short' }));
  const set = (id: string, state: string, outcome: string | null = null, extra = '') => {
    store.db.prepare('UPDATE recipients SET state = ? WHERE message_id = ?').run(state, id);
    store.db.prepare(`UPDATE campaign_sends SET outcome = ? ${extra} WHERE message_id = ?`).run(outcome, id);
  };
  set(ids[0]!, 'delivered', 'replied', `, opened_at = ${NOW}`);
  set(ids[1]!, 'bounced', 'bounced');
  set(ids[2]!, 'relayed', 'unsubscribed', `, opened_at = ${NOW}, clicked_at = ${NOW}`);
  set(ids[3]!, 'expired');
  set(ids[4]!, 'delivered', 'complained');
  store.db.prepare(`UPDATE campaign_contacts SET state = 'replied' WHERE email = 'a@x.test'`).run();
  queueStep(store.db, 'e@x.test', { step: 2, at: NOW + 2 * DAY, nextAt: null });
}

const figures = (over: Partial<CampaignInput> = {}) => {
  addContacts(store.db, 'leads', EMAILS);
  createCampaign(store.db, { steps: STEPS, ...over });
  sendAll();
  return campaignStatus(store.db, 'spring');
};

beforeEach(() => {
  store = makeTempStore();
});

afterEach(() => store.cleanup());

describe('campaignStatus', () => {
  it('counts sends and outcomes per step and variant, without opens when tracking is off', () => {
    const s = figures();
    assert.deepEqual(s.steps, [
      { step: 1, variant: 'A', subject: 'Hi', delay: '0', sent: 3, delivered: 2, bounced: 1, replied: 1, unsubscribed: 1, complained: 0 },
      { step: 1, variant: 'short', subject: 'Yo', delay: '0', sent: 2, delivered: 1, bounced: 1, replied: 0, unsubscribed: 0, complained: 1 },
      { step: 2, variant: null, subject: null, delay: '2 business days', sent: 1, delivered: 0, bounced: 0, replied: 0, unsubscribed: 0, complained: 0 },
    ]);
  });

  it('adds opened and clicked when tracking is on', () => {
    const s = figures({ tracking: { opens: true, clicks: true, host: 'https://t.acme.test' } });
    assert.deepEqual(s.steps.map((st) => [st.opened, st.clicked]), [[2, 1], [0, 0], [0, 0]]);
  });

  it('counts contacts by state and names the campaign', () => {
    const s = figures();
    assert.deepEqual(s.contacts, { pending: 0, active: 3, finished: 1, replied: 1, bounced: 0, unsubscribed: 0, complained: 0, stopped: 0, paused: 0 });
    assert.deepEqual([s.name, s.state, s.list, s.pool, s.identity, s.startedAt], ['spring', 'draft', 'leads', 'sales', null, null]);
    assert.equal(s.createdAt, new Date(NOW).toISOString());
  });

  it('shows zeros for steps nobody got yet, and throws for an unknown campaign', () => {
    addContacts(store.db, 'leads', EMAILS);
    createCampaign(store.db, { steps: [{ delay: 0, subject: 'Hi', text: 'x' }, { delay: '90m', text: 'y' }] });
    const s = campaignStatus(store.db, 'spring');
    assert.deepEqual(s.steps.map((st) => [st.step, st.delay, st.sent, st.delivered, st.bounced]), [[1, '0', 0, 0, 0], [2, '90m', 0, 0, 0]]);
    assert.equal(s.contacts.pending, 5);
    assert.throws(() => campaignStatus(store.db, 'nope'), /no campaign nope/);
  });

  it('renders one line per step and variant', () => {
    const text = renderStatus(figures());
    assert.match(text, /^campaign spring: draft \(list leads, pool sales\)\ncontacts: active 3, finished 1, replied 1\n/);
    assert.match(text, /\n {2}step 1 short \(\+0\): sent 2, delivered 1, bounced 1, replied 0, unsubscribed 0, complained 1\n/);
  });
});
