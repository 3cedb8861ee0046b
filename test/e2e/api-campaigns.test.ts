// Campaigns through the HTTP API (curl) against the real `petrel serve` with delivery off (steps are
// queued, never sent): create with paths named in 400s, duplicates 409, status per step and variant,
// the preflight (failing on DNS) that blocks a start unless forced, pause/resume/stop and delete rules,
// previews with the contact's fields and spintax resolved, contacts by state, /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CONTACT_STATES } from '../../src/campaigns/store.js';
import { apiOf, type Api } from '../kit/api.js';
import { addContacts, testCampaign, untilSent } from '../kit/campaign-api.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { curl } from '../kit/peers.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';

const NAME = 'q1-outreach';
const STEP_KEYS = ['step', 'variant', 'subject', 'delay', 'sent', 'delivered', 'bounced', 'replied', 'unsubscribed', 'complained'].sort();

describe('HTTP API: campaigns', () => {
  let dns: TestDnsServer;
  let p: Petrel;
  let api: Api;

  before(async () => {
    dns = await startDnsServer({}); // an empty zone: outreach.test has no SPF, DKIM or DMARC, so the preflight fails
    p = await startPetrel({
      delivery: { enabled: false },
      dns: { servers: [dns.server], timeoutMs: 1000 },
      setup: [
        ...STANDARD_SETUP,
        { args: ['domain', 'add', 'outreach.test', '--sending'] },
        { args: ['identity', 'add', 'outreach', '--from', 'dana@outreach.test', '--via', 'relay', '--relay-host', '127.0.0.1', '--relay-port', '9', '--relay-tls', 'none'] },
      ],
    });
    api = await apiOf(p);
    addContacts(p, 'leads', [
      { email: 'Ana@lead.test', fields: { first_name: 'Ana', company: 'Acme' } },
      { email: 'ben@lead.test', fields: { first_name: 'Ben' } },
      { email: 'cy@lead.test' }, // no first_name: step 1 cannot be rendered, the contact is paused
    ]);
  });
  after(async () => {
    await p?.dispose();
    await dns?.close();
  });

  test('POST creates a draft (201) with its definition as given and its status', async () => {
    const r = await api.call('POST', '/v1/campaigns', { body: testCampaign(NAME, 'outreach') });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.name, NAME);
    assert.equal(r.body.definition.steps[1].delay, '3d', 'the definition as given, not parsed');
    assert.equal(r.body.status.state, 'draft');
    assert.deepEqual(r.body.status.steps.map((s: { step: number; variant: string | null }) => [s.step, s.variant]), [[1, null], [2, null], [3, 'A'], [3, 'soft']]);
    assert.equal(r.body.status.steps[2].delay, '2 business days');
  });

  test('a bad body is a 400 naming the first path, every issue in the message', async () => {
    const bad = testCampaign('bad-one', 'outreach');
    const steps = bad['steps'] as Array<Record<string, unknown>>;
    steps[0]!['delay'] = 'soon';
    steps[1]!['delay'] = 'later';
    const r = await api.call('POST', '/v1/campaigns', { body: bad });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'invalid_request');
    assert.equal(r.body.error.path, 'body.steps.0.delay');
    assert.match(r.body.error.message, /body\.steps\.1\.delay: "later" is not a delay/);
    const syntax = await api.call('POST', '/v1/campaigns', { body: { ...testCampaign('bad-two', 'outreach'), steps: [{ delay: 0, subject: 'Hi', text: 'Hi {{first_name' }] } });
    assert.equal(syntax.status, 400, syntax.text);
    assert.equal(syntax.body.error.path, 'body.steps.0.text', 'template syntax is checked at create time');
    const neither = await api.call('POST', '/v1/campaigns', { body: { name: 'bad-three', list: 'leads', steps: [{ delay: 0, subject: 'x', text: 'y' }] } });
    assert.equal(neither.body.error.path, 'body.pool');
    assert.equal((await api.call('POST', '/v1/campaigns', { body: testCampaign('read-only', 'outreach'), as: 'read' })).status, 403);
    assert.equal((await api.call('GET', '/v1/campaigns/bad-one')).status, 404);
  });

  test('a duplicate is a 409', async () => {
    const r = await api.call('POST', '/v1/campaigns', { body: testCampaign(NAME, 'outreach') });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.error.code, 'conflict');
  });

  test('list and get', async () => {
    const list = await api.call('GET', '/v1/campaigns', { as: 'read' });
    assert.equal(list.status, 200, list.text);
    const row = list.body.data.find((c: { name: string }) => c.name === NAME);
    assert.deepEqual({ ...row, createdAt: typeof row.createdAt }, {
      name: NAME, state: 'draft', list: 'leads', pool: null, identity: 'outreach', steps: 3, sent: 0,
      contacts: Object.fromEntries(CONTACT_STATES.map((s) => [s, 0])), createdAt: 'string', startedAt: null,
    });
    const one = await api.call('GET', `/v1/campaigns/${NAME}`, { as: 'read' });
    assert.equal(one.status, 200);
    assert.equal(one.body.definition.fromName, 'Dana from Outreach');
  });

  test('PUT replaces the definition; another name is a 400, an unknown campaign a 404', async () => {
    const changed: Record<string, unknown> = { ...testCampaign(NAME, 'outreach'), fromName: 'Dana' };
    const r = await api.call('PUT', `/v1/campaigns/${NAME}`, { body: changed });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.definition.fromName, 'Dana');
    const renamed = await api.call('PUT', `/v1/campaigns/${NAME}`, { body: { ...changed, name: 'other' } });
    assert.equal(renamed.status, 400);
    assert.equal(renamed.body.error.path, 'body.name');
    const { name: _n, ...nameless } = changed;
    assert.equal((await api.call('PUT', `/v1/campaigns/${NAME}`, { body: { ...nameless, fromName: 'Dana from Outreach' } })).status, 200, 'the name may be left out');
    assert.equal((await api.call('PUT', '/v1/campaigns/nope', { body: testCampaign('nope', 'outreach') })).status, 404);
  });

  test('preflight: 200 with items; it fails on the sending domain\'s DNS', async () => {
    const r = await api.call('GET', `/v1/campaigns/${NAME}/preflight`, { as: 'read' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ok, false);
    const checks = Object.fromEntries(r.body.items.map((i: { check: string; status: string }) => [i.check, i.status]));
    assert.equal(checks['identities'], 'pass');
    assert.equal(checks['auth:outreach.test'], 'fail');
    assert.equal(checks['list'], 'pass');
    assert.equal(r.body.estimate.contacts, 3);
  });

  test('start without force: 422 preflight_failed with the report in error.preflight; still a draft', async () => {
    const r = await api.call('POST', `/v1/campaigns/${NAME}/start`, { body: {} });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.body.error.code, 'preflight_failed');
    assert.match(r.body.error.message, /auth:outreach\.test/);
    assert.equal(r.body.error.preflight.ok, false);
    assert.ok(r.body.error.preflight.items.some((i: { check: string; status: string; fix?: string }) => i.status === 'fail' && i.fix));
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}/status`)).body.state, 'draft');
  });

  test('start with force: 200 running; the engine sends step 1; the status has its shape', async () => {
    const r = await api.call('POST', `/v1/campaigns/${NAME}/start`, { body: { force: true } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status.state, 'running');
    assert.equal(r.body.preflight.ok, false);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/start`, { body: { force: true } })).status, 409, 'only a draft starts');
    await untilSent(api, NAME, 2);
    const s = await api.call('GET', `/v1/campaigns/${NAME}/status`, { as: 'read' });
    assert.deepEqual(Object.keys(s.body).sort(), ['contacts', 'createdAt', 'identity', 'list', 'name', 'pool', 'startedAt', 'state', 'steps']);
    assert.equal(s.body.steps.length, 4);
    for (const st of s.body.steps) assert.deepEqual(Object.keys(st).sort(), STEP_KEYS, 'no opened/clicked without tracking');
    assert.equal(s.body.steps[0].sent, 2);
    assert.equal(s.body.steps[1].sent, 0);
    assert.deepEqual(Object.keys(s.body.contacts).sort(), [...CONTACT_STATES].sort());
    assert.equal(s.body.contacts.active, 2);
    assert.equal(s.body.contacts.paused, 1);
    assert.match(s.body.startedAt, /^\d{4}-\d\d-\d\dT/);
  });

  test('contacts by state: due time, identity, reason', async () => {
    const active = await api.call('GET', `/v1/campaigns/${NAME}/contacts?state=active`, { as: 'read' });
    assert.equal(active.status, 200, active.text);
    assert.deepEqual(active.body.data.map((c: { email: string }) => c.email).sort(), ['ana@lead.test', 'ben@lead.test']);
    for (const c of active.body.data) {
      assert.equal(c.step, 1);
      assert.equal(c.identity, 'outreach');
      assert.ok(Date.parse(c.nextAt) > Date.now() + 2 * 86_400_000, 'step 2 is due in 3 days');
    }
    const paused = await api.call('GET', `/v1/campaigns/${NAME}/contacts?state=paused`, { as: 'read' });
    assert.equal(paused.body.data.length, 1);
    assert.equal(paused.body.data[0].email, 'cy@lead.test');
    assert.match(paused.body.data[0].reason, /first_name/);
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}/contacts?limit=1`)).body.data.length, 1);
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}/contacts?state=lost`)).body.error.path, 'query.state');
  });

  test('preview: the contact\'s fields, spintax resolved, the thread of step 2; missing fields; unknown contact', async () => {
    const one = await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=ana@lead.test&step=1`, { as: 'read' });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.ok, true);
    assert.match(one.body.subject, /^(Hi|Hello) Ana, a quick question$/);
    assert.match(one.body.text, /Does Acme send cold email\?/);
    assert.equal(one.body.from, 'Dana from Outreach <dana@outreach.test>');
    assert.equal(one.body.contact, 'Ana@lead.test');
    assert.match(one.body.listUnsubscribe, /\/u\/TOKEN>/);
    const two = await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=ana@lead.test`, { as: 'read' });
    assert.equal(two.body.step, 2, 'the next step by default');
    assert.equal(two.body.subject, `Re: ${one.body.subject}`, 'a reply in the thread, with the subject step 1 was sent with');
    assert.match(two.body.inReplyTo, /^<.+>$/);
    const ben = await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=ben@lead.test&step=1`);
    assert.match(ben.body.text, /Does your team send/, 'the fallback');
    const cy = await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=cy@lead.test&step=1`);
    assert.equal(cy.status, 200);
    assert.deepEqual({ ok: cy.body.ok, missing: cy.body.missing, where: cy.body.where }, { ok: false, missing: ['first_name'], where: 'subject' });
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=nobody@lead.test`)).status, 404);
    const step9 = await api.call('GET', `/v1/campaigns/${NAME}/preview?contact=ana@lead.test&step=9`);
    assert.equal(step9.status, 400);
    assert.equal(step9.body.error.path, 'query.step');
  });

  test('/metrics has the campaign series', async () => {
    const text = (await curl(['-s', `http://127.0.0.1:${p.ports.http}/metrics`])).stdout;
    assert.match(text, /^petrel_campaigns\{state="running"\} 1$/m);
    assert.match(text, /^petrel_campaigns\{state="stopped"\} 0$/m);
    assert.match(text, new RegExp(`^petrel_campaign_contacts\\{campaign="${NAME}",state="active"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^petrel_campaign_contacts\\{campaign="${NAME}",state="paused"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^petrel_campaign_sends\\{campaign="${NAME}",step="1"\\} 2$`, 'm'));
  });

  test('pause, resume, stop: 200 with the new status, 409 when the state does not allow it; delete rules', async () => {
    const paused = await api.call('POST', `/v1/campaigns/${NAME}/pause`);
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.status.state, 'paused');
    assert.equal(paused.body.held, 2, 'the queued step-1 messages are held');
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/pause`)).status, 409);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/pause`, { as: 'read' })).status, 403);
    const busy = await api.call('DELETE', `/v1/campaigns/${NAME}`);
    assert.equal(busy.status, 409, 'a paused campaign is not deleted');
    const resumed = await api.call('POST', `/v1/campaigns/${NAME}/resume`);
    assert.equal(resumed.status, 200, resumed.text);
    assert.deepEqual([resumed.body.status.state, resumed.body.released], ['running', 2]);
    assert.equal((await api.call('DELETE', `/v1/campaigns/${NAME}`)).status, 409, 'a running campaign is not deleted');
    const stopped = await api.call('POST', `/v1/campaigns/${NAME}/stop`);
    assert.equal(stopped.status, 200, stopped.text);
    assert.equal(stopped.body.status.state, 'stopped');
    assert.equal(stopped.body.status.contacts.stopped, 3);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/resume`)).status, 409);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/stop`)).status, 409);
    assert.equal((await api.call('DELETE', `/v1/campaigns/${NAME}`)).status, 204);
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}`)).status, 404);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/pause`)).status, 404);
  });

  test('a draft is deleted; the OpenAPI document has the routes', async () => {
    assert.equal((await api.call('POST', '/v1/campaigns', { body: testCampaign('draft-only', 'outreach') })).status, 201);
    assert.equal((await api.call('DELETE', '/v1/campaigns/draft-only', { as: 'read' })).status, 403);
    assert.equal((await api.call('DELETE', '/v1/campaigns/draft-only')).status, 204);
    const doc = await api.call('GET', '/v1/openapi.json');
    const paths = Object.keys(doc.body.paths).filter((k) => k.startsWith('/v1/campaigns'));
    assert.deepEqual(paths.sort(), ['/v1/campaigns', '/v1/campaigns/{name}', '/v1/campaigns/{name}/contacts', '/v1/campaigns/{name}/pause',
      '/v1/campaigns/{name}/preflight', '/v1/campaigns/{name}/preview', '/v1/campaigns/{name}/resume', '/v1/campaigns/{name}/start',
      '/v1/campaigns/{name}/status', '/v1/campaigns/{name}/stop']);
    const body = doc.body.paths['/v1/campaigns'].post.requestBody.content['application/json'].schema;
    assert.ok(body.properties.steps, 'the body is documented with the campaign schema');
    assert.ok(doc.body.paths['/v1/campaigns/{name}/start'].post.responses['422']);
  });
});
