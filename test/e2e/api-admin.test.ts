// The admin endpoints of the HTTP API (domains, suppressions, webhooks) driven with curl against the
// real `petrel serve`: DNS from the test DNS server, webhooks to a node:http receiver checking signatures.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { verifySignature } from '../../src/webhooks/signature.js';
import { configEndpointId } from '../../src/webhooks/config-endpoints.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

const IP = '192.0.2.10';
const HELO = 'mail.petrel.test';
const CONFIG_SECRET = 'whsec_admin-config-secret';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers every POST with `status`, keeping what came. */
class Receiver {
  readonly received: Received[] = [];
  status = 200;
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(this.status).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('HTTP API: domains, suppressions, webhooks', () => {
  let p: Petrel;
  let dns: TestDnsServer;
  let receiver: Receiver;
  let hookBase: string;
  let base: string;
  const keys: Record<'admin' | 'read' | 'send', string> = { admin: '', read: '', send: '' };

  before(async () => {
    dns = await startDnsServer({});
    receiver = new Receiver();
    hookBase = await receiver.listen();
    p = await startPetrel({
      dns: { servers: [dns.server], timeoutMs: 300, attempts: 1 },
      delivery: { sources: [{ address: IP, helo: HELO }] },
      webhooks: { endpoints: [{ url: `${hookBase}/config`, secretEnv: 'ADMIN_HOOK_SECRET' }] },
      env: { ADMIN_HOOK_SECRET: CONFIG_SECRET },
    });
    base = `http://127.0.0.1:${p.ports.http}`;
    for (const scope of ['admin', 'read', 'send'] as const) {
      const r = await p.cli(['apikey', 'create', `${scope}-key`, '--scope', scope]);
      assert.equal(r.code, 0, r.stderr);
      keys[scope] = r.stdout.trim();
    }
  });
  after(async () => {
    await p?.dispose();
    await receiver?.close();
    await dns?.close();
  });

  /** curl: [status, parsed JSON body or null]. A body that is a string is sent as is. */
  async function call(method: string, path: string, opts: { key?: string | null; body?: unknown } = {}): Promise<[number, any]> {
    const key = opts.key === undefined ? keys.admin : opts.key;
    const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', method];
    if (key) args.push('-H', `Authorization: Bearer ${key}`);
    let input: string | undefined;
    if (opts.body !== undefined) {
      input = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      args.push('-H', 'Content-Type: application/json', '--data-binary', '@-');
    }
    const r = await curl([...args, `${base}${path}`], input);
    const lines = r.stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    const text = lines.join('\n');
    return [status, text === '' ? null : JSON.parse(text)];
  }

  /** Asserts a 400 invalid_request naming `path`. */
  async function rejects(method: string, path: string, body: unknown, field: string): Promise<void> {
    const [status, res] = await call(method, path, { body });
    assert.equal(status, 400, JSON.stringify(res));
    assert.equal(res.error.code, 'invalid_request');
    assert.equal(res.error.path, field, JSON.stringify(res));
  }

  /** Every item of a list endpoint, following nextCursor with pages of `limit`. */
  async function all(path: string, limit: number): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const [status, res]: [number, any] = await call('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(status, 200, JSON.stringify(res));
      assert.ok(res.data.length <= limit);
      items.push(...res.data);
      cursor = res.nextCursor;
    } while (cursor !== null);
    return items;
  }

  test('scopes: no key 401, a send key 403, a read key reads but does not change', async () => {
    assert.equal((await call('GET', '/v1/domains', { key: null }))[0], 401);
    for (const [method, path] of [['GET', '/v1/domains'], ['GET', '/v1/suppressions'], ['GET', '/v1/webhooks'], ['POST', '/v1/domains']]) {
      const [status, res] = await call(method!, path!, { key: keys.send, body: method === 'POST' ? { name: 'x.test' } : undefined });
      assert.equal(status, 403, `${method} ${path}`);
      assert.equal(res.error.code, 'forbidden');
    }
    assert.equal((await call('GET', '/v1/domains', { key: keys.read }))[0], 200);
    assert.equal((await call('GET', '/v1/suppressions', { key: keys.read }))[0], 200);
    assert.equal((await call('GET', '/v1/webhooks', { key: keys.read }))[0], 403, 'webhooks are admin only');
    assert.equal((await call('POST', '/v1/suppressions', { key: keys.read, body: { address: 'a@b.test' } }))[0], 403);
    assert.equal((await call('DELETE', '/v1/domains/local.test', { key: keys.read }))[0], 403);
  });

  test('domains: add with the CLI defaults, 409 on a duplicate, list by pages, records, delete', async () => {
    const [status, added] = await call('POST', '/v1/domains', { body: { name: 'API.test' } });
    assert.equal(status, 201, JSON.stringify(added));
    assert.deepEqual([added.name, added.local, added.sending, added.catchAll], ['api.test', true, true, false]);
    assert.deepEqual(added.dkimKeys.map((k: any) => [k.algorithm, k.state]), [['rsa-sha256', 'active']]);
    assert.equal((await call('POST', '/v1/domains', { body: { name: 'api.test' } }))[1].error.code, 'conflict');
    assert.equal((await call('POST', '/v1/domains', { body: { name: 'api.test' } }))[0], 409);

    const [, both] = await call('POST', '/v1/domains', { body: { name: 'send.test', sending: true, dkim: 'rsa+ed25519' } });
    assert.deepEqual([both.local, both.sending], [false, true]);
    assert.deepEqual(both.dkimKeys.map((k: any) => k.algorithm).sort(), ['ed25519-sha256', 'rsa-sha256']);
    const [, bare] = await call('POST', '/v1/domains', { body: { name: 'nokeys.test', catchAll: true, dkim: 'none' } });
    assert.deepEqual([bare.local, bare.sending, bare.catchAll, bare.dkimKeys], [true, false, true, []]);

    const names = (await all('/v1/domains', 2)).map((d) => d.name);
    assert.deepEqual(names, ['api.test', 'catchall.test', 'example.test', 'local.test', 'nokeys.test', 'send.test']);

    const [rs, records] = await call('GET', '/v1/domains/api.test/records', { key: keys.read });
    assert.equal(rs, 200);
    const cli = JSON.parse((await p.cli(['domain', 'records', 'api.test', '--json'])).stdout);
    assert.deepEqual(records.data, cli, 'the same records as petrel domain records --json');
    assert.ok(records.data.some((r: any) => r.type === 'MX' && r.value === `10 ${HELO}.`));

    assert.equal((await call('DELETE', '/v1/domains/nokeys.test'))[0], 204);
    assert.equal((await call('DELETE', '/v1/domains/nokeys.test'))[0], 404);
    assert.equal((await call('GET', '/v1/domains/nokeys.test/records'))[0], 404);
    assert.match((await p.cli(['domain', 'list'])).stdout, /send\.test/);
  });

  test('domains: bad input is a 400 naming the field', async () => {
    await rejects('POST', '/v1/domains', { name: 'not a domain!' }, 'body.name');
    await rejects('POST', '/v1/domains', { name: 42 }, 'body.name');
    await rejects('POST', '/v1/domains', { name: 'x'.repeat(10_000) }, 'body.name');
    await rejects('POST', '/v1/domains', {}, 'body.name');
    await rejects('POST', '/v1/domains', { name: 'x.test', local: 'yes' }, 'body.local');
    await rejects('POST', '/v1/domains', { name: 'x.test', dkim: 'dsa' }, 'body.dkim');
    await rejects('POST', '/v1/domains', { name: 'x.test', bogus: 1 }, 'body.bogus');
    await rejects('POST', '/v1/domains', [1, 2], 'body');
    await rejects('GET', '/v1/domains?limit=0', undefined, 'query.limit');
    await rejects('GET', '/v1/domains?limit=501', undefined, 'query.limit');
    await rejects('GET', '/v1/domains?limit=abc', undefined, 'query.limit');
    await rejects('GET', '/v1/domains?cursor=!!!', undefined, 'query.cursor');
    await rejects('GET', '/v1/domains?cursor=bnVsbA', undefined, 'query.cursor');
    await rejects('GET', '/v1/domains?bogus=1', undefined, 'query.bogus');
    await rejects('DELETE', '/v1/domains/not%20a%20domain', undefined, 'params.name');
    const [status, res] = await call('POST', '/v1/domains', { body: '{"name": ' });
    assert.equal(status, 400);
    assert.equal(res.error.code, 'invalid_json');
  });

  test('domains: check runs against DNS and returns the findings', async () => {
    const [, records] = await call('GET', '/v1/domains/api.test/records');
    const zone: Zone = { [HELO]: { A: [IP] }, [IP]: { PTR: [HELO] } };
    for (const r of records.data as { name: string; type: string; value: string }[]) {
      const entry = (zone[r.name] ??= {});
      if (r.type === 'MX') entry.MX = [{ preference: 10, exchange: r.value.split(' ')[1]!.replace(/\.$/, '') }];
      else entry.TXT = [...(entry.TXT ?? []), r.value];
    }
    dns.setZone(zone);
    const started = Date.now();
    const [status, report] = await call('POST', '/v1/domains/api.test/check');
    assert.equal(status, 200, JSON.stringify(report));
    assert.ok(Date.now() - started < 15_000);
    assert.equal(report.domain, 'api.test');
    const find = (area: string, check: string) => report.findings.find((f: any) => f.area === area && f.check.startsWith(check));
    assert.equal(find('dkim', 'selector ')?.status, 'pass', JSON.stringify(report.findings));
    assert.equal(find('spf', 'record')?.status, 'pass', JSON.stringify(report.findings));
    assert.equal(find('blocklists', `${IP} @ `)?.status, 'pass');
    assert.equal(report.ok, !report.findings.some((f: any) => f.status === 'fail'));

    const [bs, broken] = await call('POST', '/v1/domains/api.test/check', { key: keys.read });
    assert.deepEqual([bs, broken.error.code], [403, 'forbidden']);
    assert.equal((await call('POST', '/v1/domains/nosuch.test/check'))[0], 404);
  });

  test('suppressions: add, list by pages and filters, the unsubscribed event, delete', async () => {
    const add = async (body: object, expected: number) => {
      const [status, res] = await call('POST', '/v1/suppressions', { body });
      assert.equal(status, expected, JSON.stringify(res));
      return res;
    };
    const first = await add({ address: 'Bob@Example.org', note: 'asked by phone' }, 201);
    assert.deepEqual([first.address, first.scope, first.reason, first.detail, first.expiresAt, first.outcome], ['bob@example.org', '', 'manual', 'asked by phone', null, 'added']);
    await add({ address: 'bob@example.org', scope: 'example.test', reason: 'complaint' }, 201);
    await add({ address: 'carol@example.org', reason: 'hard-bounce' }, 201);
    await add({ address: 'alice@example.org', scope: 'example.test', reason: 'unsubscribe' }, 201);
    const expiry = new Date(Date.now() + 86_400_000).toISOString();
    const temp = await add({ address: 'dave@example.org', expiresAt: expiry }, 201);
    assert.equal(temp.expiresAt, expiry);
    assert.equal((await add({ address: 'carol@example.org', expiresAt: expiry }, 200)).outcome, 'kept');

    const listed = (await all('/v1/suppressions', 2)).map((e) => `${e.address}/${e.scope}`);
    assert.deepEqual(listed, ['alice@example.org/example.test', 'bob@example.org/', 'bob@example.org/example.test', 'carol@example.org/', 'dave@example.org/']);
    assert.deepEqual((await all('/v1/suppressions?scope=example.test', 1)).map((e) => e.address), ['alice@example.org', 'bob@example.org']);
    assert.deepEqual((await all('/v1/suppressions?scope=', 10)).map((e) => e.address), ['bob@example.org', 'carol@example.org', 'dave@example.org']);
    assert.deepEqual((await all('/v1/suppressions?reason=complaint', 10)).map((e) => e.address), ['bob@example.org']);
    assert.deepEqual((await all('/v1/suppressions?search=phone', 10)).map((e) => e.address), ['bob@example.org']);

    const events = (await p.cli(['events', 'list', '--type', 'unsubscribed', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => [e.recipient, e.sendingDomain, e.data.source]), [['alice@example.org', 'example.test', 'api']]);

    assert.equal((await call('DELETE', '/v1/suppressions/bob%40example.org?scope=example.test'))[0], 204);
    assert.equal((await call('DELETE', '/v1/suppressions/bob%40example.org?scope=example.test'))[0], 404);
    assert.equal((await call('DELETE', '/v1/suppressions/bob@example.org'))[0], 204);
    assert.equal((await call('DELETE', '/v1/suppressions/nobody@example.org'))[0], 404);
    assert.match((await p.cli(['suppress', 'list'])).stdout, /carol@example\.org/);
  });

  test('suppressions: bad input is a 400 naming the field', async () => {
    await rejects('POST', '/v1/suppressions', { address: 'not an address' }, 'body.address');
    await rejects('POST', '/v1/suppressions', { address: 5 }, 'body.address');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', scope: 'bad scope!' }, 'body.scope');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', reason: 'spam' }, 'body.reason');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', reason: 'complaint', expiresAt: new Date(Date.now() + 1e6).toISOString() }, 'body.expiresAt');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', expiresAt: '2001-01-01T00:00:00Z' }, 'body.expiresAt');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', expiresAt: 'tomorrow' }, 'body.expiresAt');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', note: 'x'.repeat(5000) }, 'body.note');
    await rejects('POST', '/v1/suppressions', { address: 'a@b.test', extra: true }, 'body.extra');
    await rejects('GET', '/v1/suppressions?reason=spam', undefined, 'query.reason');
    await rejects('GET', '/v1/suppressions?scope=bad%20scope', undefined, 'query.scope');
    await rejects('GET', '/v1/suppressions?cursor=WyJhIl0', undefined, 'query.cursor');
    await rejects('DELETE', '/v1/suppressions/not-an-address', undefined, 'params.address');
    await rejects('DELETE', '/v1/suppressions/a@b.test?scope=bad%20scope', undefined, 'query.scope');
  });

  test('webhooks: create (secret once), list (no secret), patch, test with a signed request, delete', async () => {
    const [status, created] = await call('POST', '/v1/webhooks', { body: { url: `${hookBase}/api`, events: ['delivered', 'bounced'] } });
    assert.equal(status, 201, JSON.stringify(created));
    assert.match(created.id, /^wh_/);
    assert.deepEqual([created.origin, created.events, created.backlog], ['api', ['delivered', 'bounced'], 0]);
    assert.equal(typeof created.secret, 'string');

    const [, list] = await call('GET', '/v1/webhooks');
    const text = JSON.stringify(list);
    assert.ok(!text.includes(created.secret) && !text.includes('"secret"'), 'the secret is never shown again');
    const mine = list.data.find((w: any) => w.id === created.id);
    assert.deepEqual([mine.url, mine.lastError, mine.failingSince], [`${hookBase}/api`, null, null]);
    assert.ok(list.data.some((w: any) => w.origin === 'config' && w.id === configEndpointId(`${hookBase}/config`)));
    assert.equal((await all('/v1/webhooks', 1)).length, list.data.length);

    const [ps, patched] = await call('PATCH', `/v1/webhooks/${created.id}`, { body: { url: `${hookBase}/moved`, events: [] } });
    assert.equal(ps, 200, JSON.stringify(patched));
    assert.deepEqual([patched.url, patched.events, patched.cursor], [`${hookBase}/moved`, [], created.cursor]);

    const [ts, tested] = await call('POST', `/v1/webhooks/${created.id}/test`);
    assert.deepEqual([ts, tested], [200, { status: 200, ok: true }]);
    const got = receiver.received.find((r) => r.path === '/moved' && r.body.includes('"test"'));
    assert.ok(got, 'the test event reached the new URL');
    assert.ok(verifySignature(created.secret, String(got.headers['petrel-signature']), got.body, Math.floor(Date.now() / 1000)));
    assert.equal(got.headers['petrel-webhook-id'], created.id);

    receiver.status = 500;
    const [, failed] = await call('POST', `/v1/webhooks/${created.id}/test`);
    receiver.status = 200;
    assert.deepEqual([failed.status, failed.ok], [500, false]);

    const configId = configEndpointId(`${hookBase}/config`);
    assert.deepEqual((await call('POST', `/v1/webhooks/${configId}/test`))[1], { status: 200, ok: true });
    const configHit = receiver.received.find((r) => r.path === '/config' && r.body.includes('"test"'));
    assert.ok(configHit && verifySignature(CONFIG_SECRET, String(configHit.headers['petrel-signature']), configHit.body, Math.floor(Date.now() / 1000)));
    assert.equal((await call('PATCH', `/v1/webhooks/${configId}`, { body: { events: ['delivered'] } }))[0], 409);
    assert.equal((await call('DELETE', `/v1/webhooks/${configId}`))[0], 409);

    assert.equal((await call('DELETE', `/v1/webhooks/${created.id}`))[0], 204);
    assert.equal((await call('DELETE', `/v1/webhooks/${created.id}`))[0], 404);
    assert.equal((await call('POST', `/v1/webhooks/${created.id}/test`))[0], 404);
    assert.equal((await call('PATCH', '/v1/webhooks/wh_nosuch', { body: {} }))[0], 404);
    assert.doesNotMatch((await p.cli(['webhook', 'list'])).stdout, new RegExp(created.id));
  });

  test('webhooks: bad input is a 400 naming the field', async () => {
    await rejects('POST', '/v1/webhooks', { url: 'ftp://127.0.0.1/hook' }, 'body.url');
    await rejects('POST', '/v1/webhooks', { url: 'not a url' }, 'body.url');
    await rejects('POST', '/v1/webhooks', { url: `http://127.0.0.1/${'x'.repeat(5000)}` }, 'body.url');
    await rejects('POST', '/v1/webhooks', {}, 'body.url');
    await rejects('POST', '/v1/webhooks', { url: `${hookBase}/x`, events: ['nope'] }, 'body.events.0');
    await rejects('POST', '/v1/webhooks', { url: `${hookBase}/x`, events: 'delivered' }, 'body.events');
    await rejects('POST', '/v1/webhooks', { url: `${hookBase}/x`, fromStart: 'yes' }, 'body.fromStart');
    await rejects('POST', '/v1/webhooks', { url: `${hookBase}/x`, secret: 'mine' }, 'body.secret');
    await rejects('PATCH', '/v1/webhooks/wh_x', { url: 'ftp://x' }, 'body.url');
    await rejects('GET', '/v1/webhooks?cursor=abc', undefined, 'query.cursor');
    await rejects('POST', `/v1/webhooks/${'x'.repeat(90)}/test`, undefined, 'params.id');
  });
});
