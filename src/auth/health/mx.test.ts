import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkMx } from './mx.js';
import { DOMAIN, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

const host = `mx.${DOMAIN}`;

describe('checkMx', () => {
  test('an MX host with an address passes', async () => {
    const ctx = dns.context({ [DOMAIN]: { MX: [{ preference: 10, exchange: host }] }, [host]: { A: ['192.0.2.25'] } });
    assert.deepEqual(statuses(await checkMx(ctx, DOMAIN, true)), { records: 'pass', [`mx ${host}`]: 'pass' });
  });

  test('no MX fails for a receiving domain and warns for a sending-only one', async () => {
    assert.equal((await checkMx(dns.context({ [DOMAIN]: { A: ['192.0.2.1'] } }), DOMAIN, true))[0]!.status, 'fail');
    assert.equal((await checkMx(dns.context({ [DOMAIN]: { A: ['192.0.2.1'] } }), DOMAIN, false))[0]!.status, 'warn');
  });

  test('a null MX fails for a receiving domain', async () => {
    const found = await checkMx(dns.context({ [DOMAIN]: { MX: [{ preference: 0, exchange: '.' }] } }), DOMAIN, true);
    assert.deepEqual(statuses(found), { 'null-mx': 'fail' });
  });

  test('a CNAME or an IP literal as the MX host fails', async () => {
    const cname = dns.context({ [DOMAIN]: { MX: [{ preference: 10, exchange: host }] }, [host]: { CNAME: `real.${DOMAIN}` }, [`real.${DOMAIN}`]: { A: ['192.0.2.25'] } });
    const f = (await checkMx(cname, DOMAIN, true))[1]!;
    assert.equal(f.status, 'fail');
    assert.match(f.message, /CNAME/);
    const literal = dns.context({ [DOMAIN]: { MX: [{ preference: 10, exchange: '192.0.2.25' }] } });
    assert.match((await checkMx(literal, DOMAIN, true))[1]!.message, /IP literal/);
  });

  test('a DNS failure is unknown', async () => {
    assert.equal((await checkMx(dns.context({ [DOMAIN]: { fault: 'timeout' } }), DOMAIN, true))[0]!.status, 'unknown');
  });
});
