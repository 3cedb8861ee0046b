import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkBlocklists, classify, ipLabels } from './blocklists.js';
import { DOMAIN, SOURCE, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

const ipQuery = `10.2.0.192.zen.example-bl.test`;
const domainQuery = `${DOMAIN}.dbl.example-bl.test`;
const ipCheck = `${SOURCE.address} @ zen.example-bl.test`;
const domainCheck = `${DOMAIN} @ dbl.example-bl.test`;

describe('blocklists', () => {
  test('query names: reversed octets and IPv6 nibbles', () => {
    assert.equal(ipLabels('192.0.2.10'), '10.2.0.192');
    assert.equal(ipLabels('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2');
  });

  test('NXDOMAIN passes', async () => {
    assert.deepEqual(statuses(await checkBlocklists(dns.context({}), DOMAIN)), { [ipCheck]: 'pass', [domainCheck]: 'pass' });
  });

  test('a 127.0.0.x answer fails with the list name', async () => {
    const found = await checkBlocklists(dns.context({ [ipQuery]: { A: ['127.0.0.2'] }, [domainQuery]: { A: ['127.0.1.2'] } }), DOMAIN);
    assert.deepEqual(statuses(found), { [ipCheck]: 'fail', [domainCheck]: 'fail' });
    assert.match(found[0]!.message, /listed on zen\.example-bl\.test/);
  });

  test('SERVFAIL, timeout and a refusal code are unknown, never pass', async () => {
    const ctx = dns.context({ [ipQuery]: { fault: 'servfail' }, [domainQuery]: { A: ['127.255.255.254'] } });
    assert.deepEqual(statuses(await checkBlocklists(ctx, DOMAIN)), { [ipCheck]: 'unknown', [domainCheck]: 'unknown' });
    const slow = dns.context({ [ipQuery]: { fault: 'timeout' } });
    assert.equal(statuses(await checkBlocklists(slow, DOMAIN))[ipCheck], 'unknown');
  });

  test('URIBL 127.0.0.1 means refused; other lists treat 127.0.0.x as listed', () => {
    assert.equal(classify(['127.0.0.1'], 'multi.uribl.com').kind, 'unknown');
    assert.equal(classify(['127.0.0.2'], 'multi.uribl.com').kind, 'listed');
    assert.equal(classify(['127.0.0.4'], 'zen.spamhaus.org').kind, 'listed');
    assert.equal(classify(['10.0.0.1'], 'zen.spamhaus.org').kind, 'unknown');
  });
});
