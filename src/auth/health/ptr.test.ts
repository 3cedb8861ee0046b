import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkPtr } from './ptr.js';
import { SOURCE, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

const ip = SOURCE.address;

describe('checkPtr', () => {
  test('forward-confirmed PTR equal to the EHLO name passes', async () => {
    const ctx = dns.context({ [ip]: { PTR: [SOURCE.helo] }, [SOURCE.helo]: { A: [ip] } });
    assert.deepEqual(statuses(await checkPtr(ctx)), { [`ptr ${ip}`]: 'pass', [`ehlo ${ip}`]: 'pass' });
  });

  test('IPv6 sources use the ip6.arpa name', async () => {
    const v6 = { address: '2001:db8::25', helo: 'mail6.example.test' };
    const ctx = dns.context({ [v6.address]: { PTR: [v6.helo] }, [v6.helo]: { AAAA: ['2001:db8:0::25'] } }, { sources: [v6] });
    assert.equal(statuses(await checkPtr(ctx))[`ptr ${v6.address}`], 'pass');
  });

  test('a PTR naming another host warns about EHLO', async () => {
    const ctx = dns.context({ [ip]: { PTR: ['other.example.test'] }, 'other.example.test': { A: [ip] } });
    assert.equal(statuses(await checkPtr(ctx))[`ehlo ${ip}`], 'warn');
  });

  test('no PTR, or one not resolving back, fails; DNS failure is unknown', async () => {
    assert.equal((await checkPtr(dns.context({})))[0]!.status, 'fail');
    const noForward = dns.context({ [ip]: { PTR: [SOURCE.helo] }, [SOURCE.helo]: { A: ['198.51.100.7'] } });
    assert.equal((await checkPtr(noForward))[0]!.status, 'fail');
    assert.equal((await checkPtr(dns.context({ [ip]: { fault: 'servfail' } })))[0]!.status, 'unknown');
  });

  test('no sources warns', async () => {
    assert.equal((await checkPtr(dns.context({}, { sources: [] })))[0]!.status, 'warn');
  });
});
