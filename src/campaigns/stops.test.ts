// ContactStops.apply: each kind stops the contact when stopOn says so (else only the outcome and the
// event are recorded), cancels its queued steps, suppresses unsubscribers, and stops the company.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import type { CampaignInput } from './definition.js';
import { ContactStops, type StopKind } from './stops.js';
import { CampaignStore, type CampaignSend } from './store.js';
import { addContacts, createCampaign, NOW, queueStep, row } from './testkit.js';

const AT = NOW + 60_000;
let store: TempStore;
let campaigns: CampaignStore;

/** A campaign on `emails` with step 1 queued to each; the send of the first. */
function setup(emails: string[], over: Partial<CampaignInput> = {}): CampaignSend {
  addContacts(store.db, 'leads', emails);
  createCampaign(store.db, over);
  for (const e of emails) queueStep(store.db, e);
  return campaigns.sends('spring', emails[0]!)[0]!;
}

const apply = (send: CampaignSend, kind: StopKind, stops = new ContactStops(store.db)) =>
  stops.apply({ send, kind, reason: `why ${kind}`, at: AT, source: 'test' });
const stateOf = (email: string) => campaigns.contact('spring', email)?.state;
const recipientState = (messageId: string) => row(store.db, 'SELECT state FROM recipients WHERE message_id = ?', messageId)?.['state'];
const events = (type: string) => store.db.prepare('SELECT recipient, reason, data FROM events WHERE type = ? ORDER BY id').all(type) as Array<{ recipient: string; reason: string; data: string }>;

beforeEach(() => {
  store = makeTempStore();
  campaigns = new CampaignStore(store.db);
});

afterEach(() => store.cleanup());

describe('ContactStops.apply', () => {
  it('stops the contact in the state of its kind, cancels its queued step and records why', () => {
    for (const kind of ['replied', 'bounced', 'unsubscribed', 'complained'] as const) {
      store.cleanup();
      store = makeTempStore();
      campaigns = new CampaignStore(store.db);
      const send = setup(['a@x.test']);
      assert.deepEqual(apply(send, kind), { stopped: true, company: [] }, kind);
      const c = campaigns.contact('spring', 'a@x.test');
      assert.deepEqual([c?.state, c?.reason, c?.nextAt], [kind, `why ${kind}`, null], kind);
      assert.equal(campaigns.sends('spring', 'a@x.test')[0]!.outcome, kind);
      assert.equal(recipientState(send.messageId), 'cancelled', kind);
      const [ev] = events(`contact.${kind}`);
      assert.deepEqual(JSON.parse(ev!.data), { campaign: 'spring', step: 1, source: 'test', stopped: true });
    }
  });

  it('records the outcome and the event but leaves the contact running when stopOn does not name the kind', () => {
    const send = setup(['a@x.test'], { stopOn: ['reply'] });
    assert.deepEqual(apply(send, 'bounced'), { stopped: false, company: [] });
    assert.equal(stateOf('a@x.test'), 'active');
    assert.equal(recipientState(send.messageId), 'queued');
    assert.equal(campaigns.sends('spring', 'a@x.test')[0]!.outcome, 'bounced');
    assert.equal(JSON.parse(events('contact.bounced')[0]!.data).stopped, false);
  });

  it('suppresses an unsubscriber everywhere by default, even when stopOn leaves it running', () => {
    const send = setup(['a@x.test'], { stopOn: ['reply'] });
    apply(send, 'unsubscribed');
    const entry = new SuppressionStore(store.db).isSuppressed('a@x.test', 'other.test', AT);
    assert.deepEqual([entry?.scope, entry?.reason, entry?.sourceMessage], ['', 'unsubscribe', send.messageId]);
    assert.equal(stateOf('a@x.test'), 'active');
  });

  it('suppresses for the sending domain only with the domain scope', () => {
    const send = setup(['a@x.test']);
    apply(send, 'unsubscribed', new ContactStops(store.db, { unsubscribeScope: 'domain' }));
    const list = new SuppressionStore(store.db);
    assert.equal(list.isSuppressed('a@x.test', 'acme.test', AT)?.scope, 'acme.test');
    assert.equal(list.isSuppressed('a@x.test', 'other.test', AT), null);
  });

  it('stops the rest of the company on a reply with companyReply, but not at a freemail domain', () => {
    const send = setup(['a@corp.test', 'b@corp.test', 'c@corp.test', 'd@other.test', 'g1@gmail.com', 'g2@gmail.com'],
      { stopOn: ['reply', 'companyReply'] });
    store.db.prepare(`UPDATE campaign_contacts SET state = 'bounced' WHERE email = 'c@corp.test'`).run();
    const result = apply(send, 'replied');
    assert.deepEqual(result, { stopped: true, company: ['b@corp.test'] });
    const b = campaigns.contact('spring', 'b@corp.test');
    assert.deepEqual([b?.state, b?.reason], ['stopped', 'company replied (a@corp.test)']);
    assert.equal(recipientState(campaigns.sends('spring', 'b@corp.test')[0]!.messageId), 'cancelled');
    assert.deepEqual([stateOf('c@corp.test'), stateOf('d@other.test')], ['bounced', 'active']);
    assert.deepEqual(events('contact.stopped').map((e) => e.recipient), ['b@corp.test']);
    const gmail = campaigns.sends('spring', 'g1@gmail.com')[0]!;
    assert.deepEqual(apply(gmail, 'replied'), { stopped: true, company: [] });
    assert.equal(stateOf('g2@gmail.com'), 'active');
  });

  it('does not stop the company without companyReply', () => {
    const send = setup(['a@corp.test', 'b@corp.test']);
    assert.deepEqual(apply(send, 'replied').company, []);
    assert.equal(stateOf('b@corp.test'), 'active');
  });

  it('is idempotent: a second apply changes nothing and says stopped=false', () => {
    const send = setup(['a@corp.test', 'b@corp.test'], { stopOn: ['reply', 'companyReply'] });
    apply(send, 'replied');
    const before = campaigns.contact('spring', 'a@corp.test');
    assert.deepEqual(apply(send, 'bounced'), { stopped: false, company: [] });
    assert.deepEqual(apply(send, 'replied'), { stopped: false, company: [] });
    assert.deepEqual(campaigns.contact('spring', 'a@corp.test'), before);
    assert.equal(campaigns.sends('spring', 'a@corp.test')[0]!.outcome, 'replied');
    assert.equal(events('contact.stopped').length, 1);
  });
});

describe('ContactStops.stopWith', () => {
  it('stops one contact by hand once, with the matching event', () => {
    setup(['a@x.test']);
    const stops = new ContactStops(store.db);
    assert.equal(stops.stopWith('spring', 'a@x.test', 'unsubscribed', 'suppressed before step 2', AT, 'engine'), true);
    assert.equal(stops.stopWith('spring', 'a@x.test', 'stopped', 'again', AT, 'cli'), false);
    assert.equal(stateOf('a@x.test'), 'unsubscribed');
    assert.deepEqual(events('contact.unsubscribed').map((e) => e.reason), ['suppressed before step 2']);
    assert.equal(events('contact.stopped').length, 0);
  });
});
