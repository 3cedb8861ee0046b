import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkDmarc } from './dmarc.js';
import { DOMAIN, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

const at = (txt: string[]) => dns.context({ [`_dmarc.${DOMAIN}`]: { TXT: txt } });

describe('checkDmarc', () => {
  test('p=reject with rua passes', async () => {
    const s = statuses(await checkDmarc(at([`v=DMARC1; p=reject; adkim=s; rua=mailto:d@${DOMAIN}`]), DOMAIN));
    assert.deepEqual(s, { record: 'pass', policy: 'pass', adkim: 'pass', aspf: 'pass', rua: 'pass' });
  });

  test('p=none warns with the advice, no rua warns', async () => {
    const found = await checkDmarc(at(['v=DMARC1; p=none']), DOMAIN);
    const policy = found.find((f) => f.check === 'policy')!;
    assert.equal(policy.status, 'warn');
    assert.match(policy.fix, /move to quarantine\/reject once reports are clean/);
    assert.equal(statuses(found)['rua'], 'warn');
  });

  test('absent, invalid, bad alignment fail; DNS failure is unknown', async () => {
    assert.equal((await checkDmarc(dns.context({}), DOMAIN))[0]!.status, 'fail');
    assert.equal((await checkDmarc(at(['v=DMARC1; p=maybe']), DOMAIN))[0]!.status, 'fail');
    assert.equal(statuses(await checkDmarc(at(['v=DMARC1; p=quarantine; aspf=x']), DOMAIN))['aspf'], 'fail');
    assert.equal((await checkDmarc(dns.context({ [`_dmarc.${DOMAIN}`]: { fault: 'refused' } }), DOMAIN))[0]!.status, 'unknown');
  });
});
