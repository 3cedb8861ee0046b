// CampaignControl: start, pause, resume and stop move the campaign between states (or throw
// CampaignStateError), hold and release its queued steps, and stop its open contacts.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { CampaignControl, CampaignStateError } from './control.js';
import { CampaignStore } from './store.js';
import { addContacts, campaignInput, NOW, queueStep, queueSteps, row, stepMessage } from './testkit.js';

let store: TempStore;
let campaigns: CampaignStore;
let control: CampaignControl;

const stateOf = (messageId: string) => row(store.db, 'SELECT state, next_attempt_at AS due FROM recipients WHERE message_id = ?', messageId);
const throwsState = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof CampaignStateError && re.test(e.message));

/** The campaign started, with step 1 queued to a@ and b@ and a plain message queued beside them. */
function running(): { a: string; b: string; plain: string } {
  control.start('spring', NOW);
  const a = queueStep(store.db, 'a@x.test');
  const b = queueStep(store.db, 'b@y.test');
  const other = stepMessage('carol@z.test');
  delete other.envelope.campaign;
  return { a, b, plain: queueSteps(store.db, [other])[0]! };
}

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
  control = new CampaignControl(store.db);
  addContacts(store.db, 'leads', ['a@x.test', 'b@y.test', 'c@z.test']);
  campaigns.create(campaignInput(), NOW);
});

afterEach(() => store.cleanup());

describe('CampaignControl', () => {
  it('starts a draft: running, started now, its list enrolled as pending contacts', () => {
    const c = control.start('spring', NOW + 5);
    assert.deepEqual([c.state, c.startedAt], ['running', NOW + 5]);
    assert.deepEqual(campaigns.counts('spring').pending, 3);
    throwsState(() => control.start('spring', NOW), /cannot start campaign spring: it is running/);
  });

  it('pauses a running campaign, holding its queued steps only', () => {
    const { a, b, plain } = running();
    store.db.prepare(`UPDATE recipients SET state = 'delivered' WHERE message_id = ?`).run(b);
    assert.equal(control.pause('spring', NOW + 10), 1);
    assert.equal(campaigns.require('spring').state, 'paused');
    assert.deepEqual([stateOf(a)?.['state'], stateOf(b)?.['state'], stateOf(plain)?.['state']], ['held', 'delivered', 'queued']);
    throwsState(() => control.pause('spring', NOW), /cannot pause campaign spring: it is paused/);
  });

  it('resumes: held steps are due now, paused contacts go on', () => {
    const { a, b } = running();
    store.db.prepare(`UPDATE recipients SET state = 'delivered' WHERE message_id = ?`).run(b);
    control.pause('spring', NOW + 10);
    campaigns.pauseContact('spring', 'c@z.test', 'field company missing', NOW + 10);
    const r = control.resume('spring', NOW + 20);
    assert.deepEqual(r, { released: 1, contacts: 1 });
    assert.deepEqual(stateOf(a), { state: 'queued', due: NOW + 20 });
    assert.equal(campaigns.require('spring').state, 'running');
    assert.equal(campaigns.contact('spring', 'c@z.test')?.state, 'pending');
    assert.deepEqual(control.resume('spring', NOW + 30), { released: 0, contacts: 0 });
  });

  it('stops: open contacts stop and queued steps are cancelled; finished contacts keep their state', () => {
    const { a, plain } = running();
    store.db.prepare(`UPDATE campaign_contacts SET state = 'finished' WHERE email = 'b@y.test'`).run();
    assert.equal(control.stop('spring', NOW + 30), 2);
    assert.equal(campaigns.require('spring').state, 'stopped');
    assert.deepEqual([stateOf(a)?.['state'], stateOf(plain)?.['state']], ['cancelled', 'queued']);
    assert.deepEqual(campaigns.counts('spring'), { ...campaigns.counts('spring'), stopped: 2, finished: 1 });
    assert.equal(campaigns.contact('spring', 'a@x.test')?.reason, 'campaign stopped');
    throwsState(() => control.stop('spring', NOW), /cannot stop campaign spring: it is stopped/);
  });

  it('refuses changes the state does not allow, saying why', () => {
    throwsState(() => control.pause('spring', NOW), /it is draft/);
    throwsState(() => control.resume('spring', NOW), /cannot resume campaign spring: it is draft/);
    control.start('spring', NOW);
    control.pause('spring', NOW);
    throwsState(() => control.start('spring', NOW), /it is paused \(resume a paused campaign with resume\)/);
    campaigns.setState('spring', 'finished', NOW);
    throwsState(() => control.stop('spring', NOW), /it is finished/);
    throwsState(() => control.resume('spring', NOW), /it is finished/);
    assert.throws(() => control.start('nope', NOW), /no campaign nope/);
  });
});
