import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSpf } from './spf-record.js';
import { checkSpf } from './spf.js';
import { DOMAIN, SOURCE, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

describe('parseSpf', () => {
  test('accepts the usual terms', () => {
    const r = parseSpf('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:example.test/24 include:_spf.example.test ~all');
    assert.ok(typeof r !== 'string', String(r));
    assert.equal(r.terms.length, 6);
  });
  test('rejects bad terms', () => {
    assert.match(parseSpf('v=spf1 ip4:300.1.1.1 -all') as string, /IPv4/);
    assert.match(parseSpf('v=spf1 foo -all') as string, /unknown term/);
    assert.match(parseSpf('v=spf1 include -all') as string, /missing argument/);
    assert.match(parseSpf('v=spf1 redirect=a.test redirect=b.test') as string, /more than once/);
    assert.match(parseSpf('spf1 -all') as string, /v=spf1/);
  });
});

describe('checkSpf', () => {
  test('a good record passes every check', async () => {
    const ctx = dns.context({ [DOMAIN]: { TXT: [`v=spf1 ip4:${SOURCE.address} include:_spf.${DOMAIN} -all`] }, [`_spf.${DOMAIN}`]: { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] } });
    const s = statuses(await checkSpf(ctx, DOMAIN));
    assert.deepEqual(s, { record: 'pass', lookups: 'pass', 'void-lookups': 'pass', all: 'pass', [`ip ${SOURCE.address}`]: 'pass' });
  });

  test('no record, two records, bad syntax fail', async () => {
    assert.equal((await checkSpf(dns.context({ [DOMAIN]: { TXT: ['hello'] } }), DOMAIN))[0]!.status, 'fail');
    assert.equal((await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 -all', 'v=spf1 ~all'] } }), DOMAIN))[0]!.status, 'fail');
    assert.match((await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 ip4:1.2.3 -all'] } }), DOMAIN))[0]!.message, /IPv4/);
  });

  test('a DNS failure is unknown', async () => {
    const r = await checkSpf(dns.context({ [DOMAIN]: { fault: 'servfail' } }), DOMAIN);
    assert.equal(r[0]!.status, 'unknown');
  });

  test('more than 10 lookups through includes fails', async () => {
    const zone: Record<string, { TXT: string[] }> = { [DOMAIN]: { TXT: [`v=spf1 ip4:${SOURCE.address} include:i1.${DOMAIN} -all`] } };
    zone[`i1.${DOMAIN}`] = { TXT: [`v=spf1 ${Array.from({ length: 10 }, (_, i) => `include:n${i}.${DOMAIN}`).join(' ')} ~all`] };
    for (let i = 0; i < 10; i++) zone[`n${i}.${DOMAIN}`] = { TXT: ['v=spf1 ip4:203.0.113.1 ~all'] };
    const s = statuses(await checkSpf(dns.context(zone), DOMAIN));
    assert.equal(s['lookups'], 'fail');
  });

  test('more than 2 void lookups fails', async () => {
    const ctx = dns.context({ [DOMAIN]: { TXT: [`v=spf1 ip4:${SOURCE.address} a:v1.${DOMAIN} a:v2.${DOMAIN} mx:v3.${DOMAIN} -all`] } });
    assert.equal(statuses(await checkSpf(ctx, DOMAIN))['void-lookups'], 'fail');
  });

  test('a sending IP that is not covered fails; +all fails; ?all and no all warn', async () => {
    const s = statuses(await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 ip4:198.51.100.1 +all'] } }), DOMAIN));
    assert.equal(s['all'], 'fail');
    const t = statuses(await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 ip4:198.51.100.1 -all'] } }), DOMAIN));
    assert.equal(t[`ip ${SOURCE.address}`], 'fail');
    assert.equal(statuses(await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 ?all'] } }), DOMAIN))['all'], 'warn');
    assert.equal(statuses(await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 ip4:192.0.2.10'] } }), DOMAIN))['all'], 'warn');
  });

  test('no configured sources warns', async () => {
    const s = statuses(await checkSpf(dns.context({ [DOMAIN]: { TXT: ['v=spf1 -all'] } }, { sources: [] }), DOMAIN));
    assert.equal(s['sending-ips'], 'warn');
  });
});
