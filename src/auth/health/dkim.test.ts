import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeTempStore } from '../../store/testkit.js';
import { activeDkimKeys, checkDkim, type DkimKey } from './dkim.js';
import { DOMAIN, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

function rsaKey(bits: number, selector = 's1'): DkimKey {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { selector, algorithm: 'rsa-sha256', publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

const key2048 = rsaKey(2048);
const name = `s1._domainkey.${DOMAIN}`;

describe('checkDkim', () => {
  test('a published 2048-bit key passes', async () => {
    const ctx = dns.context({ [name]: { TXT: [`v=DKIM1; k=rsa; p=${key2048.publicKey}`] } });
    assert.deepEqual(statuses(await checkDkim(ctx, DOMAIN, [key2048])), { 'selector s1': 'pass', 'selector s1 size': 'pass', 'selector s1 test mode': 'pass' });
  });

  test('an Ed25519 key passes the size check', async () => {
    const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
    const key = { selector: 'ed', algorithm: 'ed25519-sha256', publicKey: raw };
    const ctx = dns.context({ [`ed._domainkey.${DOMAIN}`]: { TXT: [`v=DKIM1; k=ed25519; p=${raw}`] } });
    assert.equal(statuses(await checkDkim(ctx, DOMAIN, [key]))['selector ed size'], 'pass');
  });

  test('missing record, other key, no keys fail', async () => {
    assert.equal((await checkDkim(dns.context({}), DOMAIN, [key2048]))[0]!.status, 'fail');
    const other = rsaKey(1024);
    const wrong = await checkDkim(dns.context({ [name]: { TXT: [`v=DKIM1; p=${other.publicKey}`] } }), DOMAIN, [key2048]);
    assert.match(wrong[0]!.message, /not our/);
    assert.equal(wrong[0]!.status, 'fail');
    assert.equal((await checkDkim(dns.context({}), DOMAIN, []))[0]!.status, 'fail');
  });

  test('a 1024-bit key warns and t=y warns; DNS failure is unknown', async () => {
    const small = rsaKey(1024);
    const ctx = dns.context({ [name]: { TXT: [`v=DKIM1; t=y; p=${small.publicKey}`] } });
    const s = statuses(await checkDkim(ctx, DOMAIN, [small]));
    assert.equal(s['selector s1 size'], 'warn');
    assert.equal(s['selector s1 test mode'], 'warn');
    assert.equal((await checkDkim(dns.context({ [name]: { fault: 'servfail' } }), DOMAIN, [small]))[0]!.status, 'unknown');
  });

  test('activeDkimKeys reads active keys from the dkim_keys table', () => {
    const store = makeTempStore();
    try {
      const insert = store.db.prepare(`INSERT INTO dkim_keys (domain, selector, algorithm, public_key, key_path, state, created_at) VALUES (?, ?, 'rsa-sha256', 'AAAA', 'k', ?, 0)`);
      insert.run(DOMAIN, 'a', 'active');
      insert.run(DOMAIN, 'b', 'pending');
      assert.deepEqual(activeDkimKeys(store.db, DOMAIN), [{ selector: 'a', algorithm: 'rsa-sha256', publicKey: 'AAAA' }]);
    } finally {
      store.cleanup();
    }
  });
});
