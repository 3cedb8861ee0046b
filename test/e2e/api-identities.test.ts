// Identities, pools and shaping actions through the HTTP API (curl) against the real `petrel serve`:
// field errors name their path, secrets never come back, a pause holds mail and a resume releases it
// with signed identity.paused / identity.resumed webhooks, pools rotate sends, /metrics shows them.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ShapingActionStore } from '../../src/pacing/actions.js';
import { openDatabase } from '../../src/store/db.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { apiOf, type Api, type ApiResponse } from '../kit/api.js';
import { eventually, recipientsOf } from '../kit/delivery.js';
import { tag } from '../kit/mail.js';
import { curl } from '../kit/peers.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const PASSWORD = 'relay-Pass-never-shown-7';
const REFRESH_TOKEN = 'refresh-token-never-shown-8';
const CLIENT_SECRET = 'client-secret-never-shown-9';

interface Hook {
  type: string;
  data: Record<string, unknown>;
}

/** A webhook endpoint on loopback that keeps the events of every correctly signed request. */
class Receiver {
  secret = '';
  readonly events: Hook[] = [];
  badSignatures = 0;
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      if (!verifySignature(this.secret, String(req.headers['petrel-signature']), body, Date.now() / 1000)) {
        this.badSignatures++;
        return void res.writeHead(400).end();
      }
      this.events.push(...(JSON.parse(body) as { events: Hook[] }).events);
      res.writeHead(200).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('HTTP API: identities, pools, shaping actions', () => {
  let p: Petrel;
  let api: Api;
  let sink: Sink;
  let receiver: Receiver;
  /** Every response body of the run, checked for secrets at the end. */
  const seen: string[] = [];

  before(async () => {
    sink = await startSink('127.0.0.1', await freePort());
    receiver = new Receiver();
    const hookUrl = await receiver.listen();
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    const hook = await call('POST', '/v1/webhooks', { url: hookUrl, events: ['identity.paused', 'identity.resumed'] });
    assert.equal(hook.status, 201, hook.text);
    receiver.secret = hook.body.secret;
  });
  after(async () => {
    await p?.dispose();
    await sink?.stop();
    await receiver?.close();
  });

  async function call(method: string, path: string, body?: unknown, as: 'send' | 'read' | 'admin' = 'admin'): Promise<ApiResponse> {
    const r = await api.call(method, path, { as, ...(body === undefined ? {} : { body }) });
    seen.push(r.text);
    return r;
  }

  const relay = (name: string, extra: Record<string, unknown> = {}) => ({
    name, from: `${name}@outreach.test`, via: 'relay', relayHost: sink.address, relayPort: sink.port, relayTls: 'none', ...extra,
  });

  test('add relay and mta identities: 201 with the view, secrets accepted but never returned', async () => {
    const r1 = await call('POST', '/v1/identities', relay('relay1'));
    assert.equal(r1.status, 201, r1.text);
    assert.equal(r1.body.state, 'active');
    assert.deepEqual(r1.body.relay, { host: '127.0.0.1', port: sink.port, tls: 'none', user: null, oauth: false });
    assert.equal(r1.body.capToday, null);
    const secret = await call('POST', '/v1/identities', relay('secret1', { relayPassword: PASSWORD, relayVerify: false }));
    assert.equal(secret.status, 201, secret.text);
    assert.equal(secret.body.relay.user, 'secret1@outreach.test');
    const oauth = await call('POST', '/v1/identities', {
      name: 'oauth1', from: 'oauth1@outreach.test', via: 'relay', preset: 'm365',
      oauth: { tokenUrl: 'https://login.example.test/token', clientId: 'petrel', scope: 'https://outlook.office.com/SMTP.Send', refreshToken: REFRESH_TOKEN, clientSecret: CLIENT_SECRET },
    });
    assert.equal(oauth.status, 201, oauth.text);
    assert.equal(oauth.body.relay.host, 'smtp.office365.com');
    assert.equal(oauth.body.relay.oauth, true);
    assert.equal(oauth.body.dailyCap, 40, 'the preset\'s default cap');
    const mta = await call('POST', '/v1/identities', {
      name: 'mta1', from: 'outreach.test', via: 'mta', source: '127.0.0.1', dailyCap: 50, hourlyCap: 10, minGapSeconds: 30, warmup: '5,5,40', timeZone: 'Europe/Berlin',
    });
    assert.equal(mta.status, 201, mta.text);
    assert.equal(mta.body.state, 'warming');
    assert.equal(mta.body.capToday, 5);
    assert.equal(mta.body.warmupDay, 1);
    assert.deepEqual(mta.body.warmupCurve, [5, 10, 15, 20, 25, 30, 35, 40]);
    assert.equal(mta.body.timeZone, 'Europe/Berlin');
    assert.equal(mta.body.source, '127.0.0.1');
  });

  test('bad input is a 400 naming the field; a duplicate is a 409', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...relay('bad'), dailyCap: 0 }, 'body.dailyCap'],
      [{ ...relay('bad'), via: 'pigeon' }, 'body.via'],
      [{ ...relay('bad'), colour: 'blue' }, 'body.colour'],
      [{ ...relay('bad'), timeZone: 'Mars/Olympus' }, 'body.timeZone'],
      [{ ...relay('bad'), warmup: '40,5,5' }, 'body.warmup'],
      [{ ...relay('bad'), relayPort: 70_000 }, 'body.relayPort'],
      [{ ...relay('bad'), name: 'no spaces' }, 'body.name'],
      [{ ...relay('bad'), from: 'not an address' }, 'body.from'],
      [{ ...relay('bad'), oauth: { tokenUrl: 'ftp://x', clientId: 'c', refreshToken: 't' } }, 'body.oauth.tokenUrl'],
      [{ name: 'bad', from: 'bad@outreach.test', via: 'relay' }, 'body.relayHost'],
      [{ name: 'bad', from: 'bad@outreach.test', via: 'mta', relayHost: 'smtp.example.test' }, 'body.via'],
      [{ name: 'bad', from: 'bad@outreach.test', via: 'mta', preset: 'gmail' }, 'body.preset'],
      [{ ...relay('bad'), source: '127.0.0.1' }, 'body.source'],
      [{ name: 'bad', from: 'outreach.test', via: 'relay', relayHost: 'smtp.example.test', relayPassword: 'x' }, 'body.relayUser'],
    ];
    for (const [body, path] of cases) {
      const r = await call('POST', '/v1/identities', body);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.equal(r.body.error.code, 'invalid_request');
      assert.equal(r.body.error.path, path, r.text);
      assert.doesNotMatch(r.body.error.message, /--/, 'fields, not CLI flags');
    }
    const dup = await call('POST', '/v1/identities', relay('relay1'));
    assert.equal(dup.status, 409, dup.text);
    assert.equal(dup.body.error.code, 'conflict');
    assert.equal((await call('GET', '/v1/identities/bad')).status, 404);
  });

  test('unknown identities are 404s; scopes: read may list, not change; send may not read', async () => {
    for (const [method, path] of [['GET', '/v1/identities/nobody'], ['DELETE', '/v1/identities/nobody'], ['POST', '/v1/identities/nobody/pause'], ['POST', '/v1/identities/nobody/resume']] as const) {
      const r = await call(method, path);
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.error.code, 'not_found');
    }
    assert.equal((await call('GET', '/v1/identities', undefined, 'read')).status, 200);
    assert.equal((await call('POST', '/v1/identities/relay1/pause', {}, 'read')).status, 403);
    assert.equal((await call('POST', '/v1/identities', relay('x'), 'read')).status, 403);
    assert.equal((await call('GET', '/v1/identities', undefined, 'send')).status, 403);
    assert.equal((await call('GET', '/v1/pools', undefined, 'read')).status, 200);
    assert.equal((await call('GET', '/v1/shaping/actions', undefined, 'read')).status, 200);
  });

  test('list and get: by name, paged', async () => {
    const all = await call('GET', '/v1/identities');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((v: { name: string }) => v.name), ['mta1', 'oauth1', 'relay1', 'secret1']);
    const first = await call('GET', '/v1/identities?limit=3');
    assert.equal(first.body.data.length, 3);
    const rest = await call('GET', `/v1/identities?limit=3&cursor=${first.body.nextCursor}`);
    assert.deepEqual(rest.body.data.map((v: { name: string }) => v.name), ['secret1']);
    assert.equal(rest.body.nextCursor, null);
    const one = await call('GET', '/v1/identities/secret1');
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'secret1');
    assert.deepEqual(one.body.actions, []);
  });

  test('a send from an identity needs no from; pause holds its mail, resume releases it, both as signed webhooks', async () => {
    const subject = tag('identity-send');
    const sent = await api.send({ identity: 'relay1', to: 'lead@remote.test', subject, text: 'hi' });
    const [got] = await sink.waitForContent(subject);
    assert.match(got!.mailArgs, /<relay1@outreach\.test>/);
    await eventually(() => recipientsOf(p, sent)[0]?.state === 'delivered', () => JSON.stringify(recipientsOf(p, sent)));

    const paused = await call('POST', '/v1/identities/relay1/pause', { reason: 'complaint from a lead' });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.state, 'paused');
    assert.equal(paused.body.reason, 'complaint from a lead');
    const listed = (await call('GET', '/v1/identities')).body.data.find((v: { name: string }) => v.name === 'relay1');
    assert.equal(listed.state, 'paused');
    assert.equal(listed.reason, 'complaint from a lead');
    assert.equal(listed.pausedBy, 'operator');

    const held = await api.send({ identity: 'relay1', to: 'lead2@remote.test', subject: tag('held'), text: 'later' });
    await eventually(() => recipientsOf(p, held)[0]?.state === 'throttled', () => JSON.stringify(recipientsOf(p, held)));
    const resumed = await call('POST', '/v1/identities/relay1/resume');
    assert.equal(resumed.status, 200, resumed.text);
    assert.deepEqual(resumed.body, { released: 1 });
    await eventually(() => recipientsOf(p, held)[0]?.state === 'delivered', () => JSON.stringify(recipientsOf(p, held)));
    assert.equal((await call('GET', '/v1/identities/relay1')).body.state, 'active');

    await eventually(() => receiver.events.length >= 2, () => JSON.stringify(receiver.events));
    assert.deepEqual(receiver.events.map((e) => e.type), ['identity.paused', 'identity.resumed']);
    assert.equal(receiver.events[0]!.data['identity'], 'relay1');
    assert.equal(receiver.events[0]!.data['reason'], 'complaint from a lead');
    assert.equal(receiver.events[1]!.data['released'], 1);
    assert.equal(receiver.badSignatures, 0);
    assert.ok((await call('GET', '/v1/identities/relay1')).body.sentToday >= 2);
  });

  test('pools: PUT creates then replaces, members must be identities, DELETE removes', async () => {
    const created = await call('PUT', '/v1/pools/outreach', { members: [{ identity: 'relay1' }, { identity: 'secret1', weight: 3 }] });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.members, [{ identity: 'relay1', weight: 1 }, { identity: 'secret1', weight: 3 }]);
    const replaced = await call('PUT', '/v1/pools/outreach', { members: [{ identity: 'relay1', weight: 2 }] });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(replaced.body.members, [{ identity: 'relay1', weight: 2 }]);
    assert.equal((await call('PUT', '/v1/pools/spare', { members: [{ identity: 'oauth1' }, { identity: 'mta1' }] })).status, 201);
    const list = await call('GET', '/v1/pools');
    assert.deepEqual(list.body.data.map((x: { name: string }) => x.name), ['outreach', 'spare']);
    assert.deepEqual((await call('GET', '/v1/pools/outreach')).body.members, [{ identity: 'relay1', weight: 2 }]);

    const bad: Array<[string, unknown, number, string]> = [
      ['/v1/pools/outreach', { members: [{ identity: 'relay1' }, { identity: 'ghost' }] }, 422, 'body.members.1.identity'],
      ['/v1/pools/outreach', { members: [{ identity: 'relay1' }, { identity: 'relay1' }] }, 400, 'body.members.1.identity'],
      ['/v1/pools/outreach', { members: [] }, 400, 'body.members'],
      ['/v1/pools/outreach', { members: [{ identity: 'relay1', weight: 0 }] }, 400, 'body.members.0.weight'],
      ['/v1/pools/not%20ok', { members: [{ identity: 'relay1' }] }, 400, 'params.name'],
    ];
    for (const [path, body, status, field] of bad) {
      const r = await call('PUT', path, body);
      assert.equal(r.status, status, `${field}: ${r.text}`);
      assert.equal(r.body.error.path, field, r.text);
    }

    const subject = tag('pool-send');
    await api.send({ pool: 'outreach', from: 'Sales <ignored@outreach.test>', to: 'pool@remote.test', subject, text: 'hi' });
    const [got] = await sink.waitForContent(subject);
    assert.match(got!.content, /^From: Sales <relay1@outreach\.test>$/m);

    assert.equal((await call('DELETE', '/v1/pools/outreach')).status, 204);
    assert.equal((await call('GET', '/v1/pools/outreach')).status, 404);
    assert.equal((await call('DELETE', '/v1/pools/outreach')).status, 404);
  });

  test('shaping actions: in force with the triggering reply; DELETE ends one early', async () => {
    const db = openDatabase(join(p.dataDir, 'petrel.db'));
    let id: number;
    try {
      id = new ShapingActionStore(db).add({
        rule: 'test-421', kind: 'suspend', factor: null, rate: null, scope: 'identity:mta1', provider: 'gmail', startedAt: Date.now(),
        endsAt: Date.now() + 3_600_000, identity: 'mta1', messageId: null, code: 421, enhanced: '4.7.28', text: 'unusual rate of mail',
      }).id;
    } finally {
      db.close();
    }
    const inForce = await call('GET', '/v1/shaping/actions');
    assert.equal(inForce.status, 200);
    assert.equal(inForce.body.data.length, 1);
    assert.equal(inForce.body.data[0].reply, '421 4.7.28 unusual rate of mail');
    assert.equal(inForce.body.data[0].action, 'suspend');
    const shown = (await call('GET', '/v1/identities/mta1')).body;
    assert.equal(shown.actions[0].rule, 'test-421');
    assert.equal(shown.actions[0].inForce, true);

    assert.equal((await call('GET', '/v1/shaping/actions', undefined, 'read')).body.data.length, 1);
    assert.equal((await call('DELETE', `/v1/shaping/actions/${id}`, undefined, 'read')).status, 403);
    const cleared = await call('DELETE', `/v1/shaping/actions/${id}`);
    assert.equal(cleared.status, 200, cleared.text);
    assert.deepEqual(cleared.body, { id, released: 0 });
    assert.deepEqual((await call('GET', '/v1/shaping/actions')).body.data, []);
    assert.equal((await call('DELETE', `/v1/shaping/actions/${id}`)).status, 404);
    assert.equal((await call('DELETE', '/v1/shaping/actions/abc')).body.error.path, 'params.id');
  });

  test('/metrics has the identity and shaping series', async () => {
    assert.equal((await call('POST', '/v1/identities/mta1/pause', {})).status, 200);
    const text = (await curl(['-s', `http://127.0.0.1:${p.ports.http}/metrics`])).stdout;
    const sample = (series: string) => new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1];
    assert.ok(Number(sample('petrel_identity_sent_today{identity="relay1"}')) >= 2, text);
    assert.equal(sample('petrel_identity_cap_today{identity="mta1"}'), '5');
    assert.equal(sample('petrel_identity_cap_today{identity="relay1"}'), undefined, 'no cap, no series');
    assert.equal(sample('petrel_identity_paused{identity="mta1"}'), '1');
    assert.equal(sample('petrel_identity_paused{identity="relay1"}'), '0');
    assert.equal(sample('petrel_shaping_actions_total{rule="test-421"}'), '1');
    assert.equal(sample('petrel_shaping_actions_in_force{rule="test-421"}'), '0');
    assert.match(text, /^# TYPE petrel_shaping_actions_total counter$/m);
  });

  test('the OpenAPI document describes the new endpoints; relayPassword is in the request only', async () => {
    const doc = JSON.parse((await curl(['-s', `http://127.0.0.1:${p.ports.http}/v1/openapi.json`])).stdout);
    for (const path of ['/v1/identities', '/v1/identities/{name}', '/v1/identities/{name}/pause', '/v1/identities/{name}/resume', '/v1/pools', '/v1/pools/{name}', '/v1/shaping/actions', '/v1/shaping/actions/{id}']) {
      assert.ok(doc.paths[path], path);
    }
    const add = doc.paths['/v1/identities'].post;
    assert.equal(add['x-petrel-scope'], 'admin');
    assert.ok(add.requestBody.content['application/json'].schema.properties.relayPassword);
    assert.doesNotMatch(JSON.stringify(add.responses), /relayPassword|refreshToken/);
    assert.ok(doc.paths['/v1/pools/{name}'].put.requestBody);
    assert.equal(doc.paths['/v1/identities'].get['x-petrel-scope'], 'read');
  });

  test('DELETE removes an identity and its pool memberships', async () => {
    assert.equal((await call('DELETE', '/v1/identities/oauth1')).status, 204);
    assert.equal((await call('GET', '/v1/identities/oauth1')).status, 404);
    assert.deepEqual((await call('GET', '/v1/pools/spare')).body.members, [{ identity: 'mta1', weight: 1 }]);
  });

  test('no response ever held a relay password, refresh token or client secret', () => {
    assert.ok(seen.length > 50);
    for (const text of seen) {
      for (const secret of [PASSWORD, REFRESH_TOKEN, CLIENT_SECRET]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }
  });
});
