import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../config/schema.js';
import { stubResolver, type StubEntry } from './mta-sts-testkit.js';
import type { MtaStsPolicies } from './mta-sts.js';
import type { RemoteRoute, Route } from './route.js';
import { Router } from './router.js';

const ZONE: Record<string, StubEntry> = {
  'example.com': { mx: [{ preference: 20, exchange: 'mx2.example.com' }, { preference: 10, exchange: 'mx1.example.com' }] },
  'mx1.example.com': { a: ['192.0.2.1'], aaaa: ['2001:db8::1'] },
  'mx2.example.com': { a: ['192.0.2.2'] },
  'implicit.example': { a: ['192.0.2.9'] },
  'nullmx.example': { mx: [{ preference: 0, exchange: '' }] },
  'broken.example': 'SERVFAIL',
  'us-second.example': { mx: [{ preference: 10, exchange: 'mx1.example.com' }, { preference: 20, exchange: 'ours.example' }] },
  'us-first.example': { mx: [{ preference: 10, exchange: 'ours-by-ip.example' }, { preference: 20, exchange: 'mx2.example.com' }] },
  'ours-by-ip.example': { a: ['198.51.100.7'] },
  'relay.example.net': { a: ['192.0.2.50'] },
};

function router(delivery: Record<string, unknown> = {}, mtaSts: MtaStsPolicies | null = null) {
  const config = configSchema.parse({ delivery }).delivery;
  return new Router({
    config,
    resolver: stubResolver(ZONE),
    isLocalDomain: (d) => d === 'local.example',
    isSelf: (h) => h.name === 'ours.example' || (h.ip === '198.51.100.7' && h.port === 25),
    mtaSts,
    ca: [],
    env: { RELAY_PASSWORD: 'secret' },
  });
}

const remote = (r: Route): RemoteRoute => {
  assert.equal(r.kind, 'remote', JSON.stringify(r));
  return r as RemoteRoute;
};
const failure = (r: Route) => (r.kind === 'fail' ? [r.outcome.code, r.outcome.enhanced] : r.kind);

test('MX hosts by preference, each with its IPv6 then IPv4 addresses, on port 25 with opportunistic TLS', async () => {
  const r = remote(await router().route('example.com'));
  assert.deepEqual(r.hosts.map((h) => [h.name, h.ip, h.port]), [
    ['mx1.example.com', '2001:db8::1', 25], ['mx1.example.com', '192.0.2.1', 25], ['mx2.example.com', '192.0.2.2', 25],
  ]);
  assert.equal(r.hosts[0]!.tls.mode, 'opportunistic');
  assert.equal(r.key, 'mx:mx1.example.com,mx2.example.com');
  assert.equal(r.plaintextFallback, true);
});

test('no MX: the domain itself (implicit MX); null MX 5.1.10; NXDOMAIN 5.1.2; SERVFAIL waits (4.4.3)', async () => {
  assert.equal(remote(await router().route('implicit.example')).hosts[0]!.ip, '192.0.2.9');
  assert.deepEqual(failure(await router().route('nullmx.example')), [556, '5.1.10']);
  assert.deepEqual(failure(await router().route('missing.example')), [550, '5.1.2']);
  assert.deepEqual(failure(await router().route('broken.example')), [451, '4.4.3']);
});

test('an MX that is us, by name or by address, keeps only the better MX hosts; none better is a loop (5.4.6)', async () => {
  assert.deepEqual(remote(await router().route('us-second.example')).hosts.map((h) => h.name), ['mx1.example.com', 'mx1.example.com']);
  assert.deepEqual(failure(await router().route('us-first.example')), [554, '5.4.6']);
});

test('local domains, then transports (exact, then the longest .parent), then the smarthost', async () => {
  const r = router({
    smarthost: { host: 'relay.example.net', port: 587, auth: { user: 'u', passwordEnv: 'RELAY_PASSWORD' } },
    transports: [{ domain: '.example.org', host: '192.0.2.60', port: 25, tls: 'none' }, { domain: '.deep.example.org', host: '192.0.2.61' }, { domain: 'exact.example.org', host: '192.0.2.62', port: 2525, tls: 'implicit' }],
  });
  assert.equal((await r.route('local.example')).kind, 'local');
  assert.equal(remote(await r.route('exact.example.org')).hosts[0]!.ip, '192.0.2.62');
  assert.equal(remote(await r.route('a.deep.example.org')).hosts[0]!.ip, '192.0.2.61');
  assert.equal(remote(await r.route('a.example.org')).hosts[0]!.ip, '192.0.2.60');
  const relay = remote(await r.route('example.com'));
  assert.equal(relay.via, 'smarthost');
  assert.deepEqual([relay.hosts[0]!.ip, relay.hosts[0]!.tls.mode, relay.hosts[0]!.tls.verify], ['192.0.2.50', 'required', true]);
  assert.equal(relay.auth?.password, 'secret');
});

test('connections are shared only under the same TLS rules: a verify policy gets its own destination key', async () => {
  const r = router({ tls: { policies: [{ domain: 'example.com', mode: 'verify' }] } });
  const strict = remote(await r.route('example.com'));
  assert.equal(strict.hosts[0]!.tls.verify, true);
  assert.notEqual(strict.key, remote(await router().route('example.com')).key);
});

test('MTA-STS enforce: MX hosts outside the policy are skipped, the rest need verified TLS', async () => {
  const policies = { policyFor: async () => ({ policy: { mode: 'enforce', mx: ['mx2.example.com'], maxAge: 86400 }, fromCache: false }) } as unknown as MtaStsPolicies;
  const r = remote(await router({}, policies).route('example.com'));
  assert.deepEqual(r.hosts.map((h) => h.name), ['mx2.example.com']);
  assert.deepEqual([r.hosts[0]!.tls.mode, r.hosts[0]!.tls.verify], ['required', true]);
  assert.equal(r.plaintextFallback, false);
  assert.match(r.key, /\|sts:example\.com$/);
});

test('a relay secret named by an unset environment variable is a configuration error at start', () => {
  assert.throws(() => router({ smarthost: { host: 'relay.example.net', auth: { user: 'u', passwordEnv: 'NOT_SET_ANYWHERE' } } }), /NOT_SET_ANYWHERE is not set/);
});
