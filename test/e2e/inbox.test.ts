// The unified inbox over HTTP against a real `petrel serve`: a campaign's first step goes out through
// a relay identity to an smtp-sink, mail "read from the mailbox" is written into inbox_messages, and
// the API lists (filters, cursor), shows the thread, answers through the identity's relay in the same
// thread (the sink sees From, To, Re:, In-Reply-To, References), marks handled, and decides unsubscribes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { campaignCli, contactStates, createCampaign, header, importContacts, toContact } from '../kit/campaigns.js';
import { eventually, suppressionsOf } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { addInboxRows, sendOf, type SendRow } from '../kit/inbox.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const CAMPAIGN = `name: spring
list: leads
identity: ann
schedule: always
steps:
  - { delay: 0, subject: "Hello {{company}}", text: "Hi, a question for {{company}}." }
  - { delay: 3d, text: "Second note." }
`;
const LEADS = ['lead@lead.test', 'quit@quit.test'];

describe('the unified inbox API', () => {
  let p: Petrel;
  let api: Api;
  let sink: Sink;
  let leadSend: SendRow;
  let quitSend: SendRow;
  let reply: number;
  let auto: number;
  let unsub: number;
  let orphan: number;

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    await relayIdentity(p, 'ann', sink);
    await importContacts(p, 'leads', LEADS.map((email) => ({ email, company: email.split('@')[1]! })));
    await createCampaign(p, CAMPAIGN);
    await campaignCli(p, ['start', 'spring', '--force']);
    await eventually(() => LEADS.every((l) => toContact(sink.messages(), l).length === 1), () => `step 1: ${sink.messages().length} at the sink`);
    leadSend = (await eventually(() => sendOf(p, 'spring', 'lead@lead.test'), () => 'no send row'))!;
    quitSend = (await eventually(() => sendOf(p, 'spring', 'quit@quit.test'), () => 'no send row'))!;
    [reply, auto, unsub, orphan] = addInboxRows(p, [
      { identity: 'ann', campaign: 'spring', email: 'lead@lead.test', sendId: leadSend.id, from: 'lead@lead.test', fromName: 'Lea Lead',
        subject: `Re: ${leadSend.subject}`, headerId: 'answer-1@lead.test', inReplyTo: leadSend.headerId, text: 'Sounds good, call me.' },
      { identity: 'ann', kind: 'auto_reply', from: 'away@elsewhere.test', subject: 'Out of office' },
      { identity: 'ann', kind: 'unsubscribe', unsubscribe: 'suggested', campaign: 'spring', email: 'quit@quit.test', sendId: quitSend.id,
        from: 'quit@quit.test', subject: 'Re: stop', text: 'Please remove me.' },
      { identity: 'ghost', from: 'x@ghost.test', subject: 'to a removed identity' },
    ]) as [number, number, number, number];
  });
  after(async () => {
    await sink?.stop();
    await p?.dispose();
  });

  test('lists newest first with filters, and pages with a cursor', async () => {
    const all = await api.call('GET', '/v1/inbox', { as: 'read' });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.data.map((m: { id: number }) => m.id), [orphan, unsub, auto, reply]);
    const first = all.body.data.at(-1);
    assert.deepEqual([first.kind, first.from, first.fromName, first.campaign, first.contact, first.step, first.unread, first.handled],
      ['reply', 'lead@lead.test', 'Lea Lead', 'spring', 'lead@lead.test', 1, true, false]);
    const ids = async (q: string) => (await api.call('GET', `/v1/inbox?${q}`, { as: 'read' })).body.data.map((m: { id: number }) => m.id);
    assert.deepEqual(await ids('campaign=spring'), [unsub, reply]);
    assert.deepEqual(await ids('kind=auto_reply'), [auto]);
    assert.deepEqual(await ids('identity=ghost'), [orphan]);
    const page1 = await api.call('GET', '/v1/inbox?limit=3', { as: 'read' });
    assert.equal(page1.body.data.length, 3);
    const page2 = await api.call('GET', `/v1/inbox?limit=3&cursor=${page1.body.nextCursor}`, { as: 'read' });
    assert.deepEqual(page2.body.data.map((m: { id: number }) => m.id), [reply]);
    assert.equal(page2.body.nextCursor, null);
    for (const q of ['kind=spam', 'unread=maybe', 'cursor=nonsense', 'limit=0']) {
      const bad = await api.call('GET', `/v1/inbox?${q}`, { as: 'read' });
      assert.equal(bad.status, 400, `${q}: ${bad.text}`);
      assert.match(bad.body.error.message, /query/);
    }
  });

  test('shows the thread: our step with its subject, their answer; /read marks it read', async () => {
    const t = await api.call('GET', `/v1/inbox/${reply}`, { as: 'read' });
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(t.body.sent.map((s: { step: number; subject: string }) => [s.step, s.subject]), [[1, 'Hello lead.test']]);
    assert.equal(t.body.sent[0].messageId, leadSend.headerId);
    assert.match(t.body.sent[0].text, /a question for lead\.test/, 'the step as sent, read from the queue store');
    assert.deepEqual(t.body.received.map((m: { id: number }) => m.id), [reply]);
    assert.equal(t.body.message.text, 'Sounds good, call me.');
    assert.equal(t.body.message.unread, true, 'opening does not mark read');
    const read = await api.call('POST', `/v1/inbox/${auto}/read`, { body: {} });
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.message.unread, false);
    assert.equal((await api.call('GET', '/v1/inbox/424242', { as: 'read' })).status, 404);
    assert.equal((await api.call('GET', '/v1/inbox/abc', { as: 'read' })).status, 400);
  });

  test('a reply leaves through the identity\'s relay in the same thread and marks the conversation handled', async () => {
    const r = await api.call('POST', `/v1/inbox/${reply}/reply`, { as: 'send', body: { text: 'Great, calling you tomorrow.' } });
    assert.equal(r.status, 202, r.text);
    assert.match(r.body.id, /^[0-9A-Za-z]+$/);
    const [m] = await sink.waitForContent('calling you tomorrow');
    assert.match(m!.mailArgs, /<ann@outreach\.test>/);
    assert.match(header(m!, 'From')!, /ann@outreach\.test/);
    assert.match(header(m!, 'To')!, /lead@lead\.test/);
    assert.equal(header(m!, 'Subject'), `Re: ${leadSend.subject}`);
    assert.equal(header(m!, 'In-Reply-To'), '<answer-1@lead.test>');
    assert.equal(header(m!, 'References'), `<${leadSend.headerId}> <answer-1@lead.test>`);
    const after = await api.call('GET', `/v1/inbox/${reply}`, { as: 'read' });
    assert.equal(after.body.message.handled, true);
    assert.ok(after.body.message.handledAt);
    const unread = await api.call('GET', '/v1/inbox?unread=true', { as: 'read' });
    assert.ok(!unread.body.data.some((x: { id: number }) => x.id === reply));
  });

  test('reply refusals: empty text 400, unknown id 404, no identity 409', async () => {
    const empty = await api.call('POST', `/v1/inbox/${reply}/reply`, { as: 'send', body: { text: '  ' } });
    assert.equal(empty.status, 400, empty.text);
    assert.match(empty.body.error.message, /empty/);
    assert.equal((await api.call('POST', '/v1/inbox/424242/reply', { as: 'send', body: { text: 'hi' } })).status, 404);
    const gone = await api.call('POST', `/v1/inbox/${orphan}/reply`, { as: 'send', body: { text: 'hi' } });
    assert.equal(gone.status, 409, gone.text);
    assert.match(gone.body.error.message, /identity ghost no longer exists/);
  });

  test('handled without answering', async () => {
    const r = await api.call('POST', `/v1/inbox/${auto}/handled`, { as: 'send' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.message.handled, true);
  });

  test('confirming an unsubscribe suggestion suppresses the address and stops the contact', async () => {
    assert.equal((await contactStates(p, 'spring'))['quit@quit.test']!.state, 'active');
    const r = await api.call('POST', `/v1/inbox/${unsub}/unsubscribe`, { body: { confirm: true } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.message.unsubscribe, 'confirmed');
    assert.deepEqual(suppressionsOf(p, 'quit@quit.test').map((s) => [s.scope, s.reason]), [['', 'unsubscribe']]);
    assert.equal((await contactStates(p, 'spring'))['quit@quit.test']!.state, 'unsubscribed');
    const again = await api.call('POST', `/v1/inbox/${unsub}/unsubscribe`, { body: { confirm: false } });
    assert.equal(again.status, 409, again.text);
    assert.equal((await api.call('POST', `/v1/inbox/${unsub}/unsubscribe`, { body: {} })).status, 400);
  });

  test('the OpenAPI document describes the inbox routes', async () => {
    const doc = await api.call('GET', '/v1/openapi.json', { as: 'read' });
    assert.equal(doc.status, 200, doc.text.slice(0, 300));
    for (const path of ['/v1/inbox', '/v1/inbox/{id}', '/v1/inbox/{id}/reply', '/v1/inbox/{id}/unsubscribe']) assert.ok(doc.body.paths[path], path);
  });

  test('petrel inbox list shows the same mail as a table and as JSON', async () => {
    const r = await p.cli(['inbox', 'list', '--campaign', 'spring', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).map((m: { id: number }) => m.id), [unsub, reply]);
    const table = await p.cli(['inbox', 'list', '--kind', 'auto_reply']);
    assert.match(table.stdout, /away@elsewhere\.test/);
    const bad = await p.cli(['inbox', 'list', '--kind', 'spam']);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  });
});
