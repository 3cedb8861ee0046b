import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { StsFetchError } from './mta-sts-fetch.js';
import { decideTls, MtaStsPolicies, type PolicyLookup } from './mta-sts.js';
import { stubResolver, type StubEntry } from './mta-sts-testkit.js';

const DAY_MS = 86_400_000;
const policyText = (mode: string, mx: string) => `version: STSv1\nmode: ${mode}\nmx: ${mx}\nmax_age: 86400\n`;

describe('MtaStsPolicies', () => {
  let store: TempStore;
  let zone: Record<string, StubEntry>;
  let clock: number;
  let served: string | Error;
  let fetches: string[];
  let release: (() => void) | null;
  let policies: MtaStsPolicies;

  beforeEach(() => {
    store = makeTempStore();
    zone = { '_mta-sts.example.com': { txt: ['v=STSv1; id=one;'] } };
    clock = Date.UTC(2024, 0, 1);
    served = policyText('enforce', '*.example.com');
    fetches = [];
    release = null;
    const fetch = async (domain: string): Promise<string> => {
      fetches.push(domain);
      if (release === null) await Promise.resolve();
      else await new Promise<void>((resolve) => (release = resolve));
      if (served instanceof Error) throw served;
      return served;
    };
    policies = new MtaStsPolicies({ resolver: stubResolver(zone), db: store.db, fetch, now: () => clock });
  });
  afterEach(() => store.cleanup());

  const modeOf = (result: PolicyLookup) => (result && 'policy' in result ? result.policy.mode : result);

  it('fetches, stores and then serves from the cache without fetching', async () => {
    assert.deepEqual(await policies.policyFor('Example.com.'), {
      policy: { mode: 'enforce', mx: ['*.example.com'], maxAge: 86400 },
      fromCache: false,
    });
    const row = store.db.prepare('SELECT * FROM mta_sts_policies').get() as Record<string, unknown>;
    assert.equal(row.domain, 'example.com');
    assert.equal(row.policy_id, 'one');
    assert.equal(row.text, served);
    clock += DAY_MS / 2;
    const again = await policies.policyFor('example.com');
    assert.ok(again && 'policy' in again && again.fromCache);
    assert.deepEqual(fetches, ['example.com']);
  });

  it('refetches when the TXT id changes, replacing the stored policy', async () => {
    await policies.policyFor('example.com');
    zone['_mta-sts.example.com'] = { txt: ['v=STSv1; id=two;'] };
    served = policyText('testing', 'mx.example.com');
    const result = await policies.policyFor('example.com');
    assert.ok(result && 'policy' in result && !result.fromCache);
    assert.equal(result.policy.mode, 'testing');
    assert.equal(fetches.length, 2);
    const rows = store.db.prepare('SELECT policy_id FROM mta_sts_policies').all();
    assert.deepEqual(rows, [{ policy_id: 'two' }]);
  });

  it('falls back to the stored policy when a refetch fails', async () => {
    await policies.policyFor('example.com');
    zone['_mta-sts.example.com'] = { txt: ['v=STSv1; id=two;'] };
    served = new StsFetchError('fetch', 'mta-sts.example.com: HTTP status 500');
    assert.deepEqual(await policies.policyFor('example.com'), {
      policy: { mode: 'enforce', mx: ['*.example.com'], maxAge: 86400 },
      fromCache: true,
    });
    served = 'not a policy';
    assert.equal(modeOf(await policies.policyFor('example.com')), 'enforce');
  });

  it('reports fetch, webpki and invalid-policy errors when nothing is stored', async () => {
    served = new StsFetchError('fetch', 'HTTP status 404');
    assert.deepEqual(await policies.policyFor('example.com'), { error: 'fetch', message: 'HTTP status 404' });
    served = new StsFetchError('webpki', 'certificate not valid');
    assert.deepEqual(await policies.policyFor('example.com'), { error: 'webpki', message: 'certificate not valid' });
    served = 'version: STSv1\nmode: enforce\nmax_age: 1\n';
    assert.deepEqual(await policies.policyFor('example.com'), { error: 'invalid', message: 'policy has no mx' });
  });

  it('does not use an expired policy', async () => {
    await policies.policyFor('example.com');
    clock += DAY_MS + 1;
    served = new Error('connection refused');
    assert.deepEqual(await policies.policyFor('example.com'), { error: 'fetch', message: 'connection refused' });
    delete zone['_mta-sts.example.com'];
    assert.equal(await policies.policyFor('example.com'), null);
  });

  it('keeps using a stored policy when the TXT record disappears or cannot be read', async () => {
    await policies.policyFor('example.com');
    delete zone['_mta-sts.example.com'];
    assert.equal(modeOf(await policies.policyFor('example.com')), 'enforce');
    zone['_mta-sts.example.com'] = 'SERVFAIL';
    assert.equal(modeOf(await policies.policyFor('example.com')), 'enforce');
    zone['_mta-sts.example.com'] = { txt: ['v=spf1 -all'] };
    assert.equal(modeOf(await policies.policyFor('example.com')), 'enforce');
    assert.equal(fetches.length, 1);
  });

  it('finds no policy without a TXT record, or when DNS fails and nothing is stored', async () => {
    assert.equal(await policies.policyFor('other.test'), null);
    zone['_mta-sts.example.com'] = 'TIMEOUT';
    assert.equal(await policies.policyFor('example.com'), null);
    assert.deepEqual(fetches, []);
  });

  it('shares one fetch among concurrent lookups of a domain', async () => {
    release = () => {}; // the fetch now waits until release() is called
    const lookups = [policies.policyFor('example.com'), policies.policyFor('EXAMPLE.com')];
    await waitFor(() => fetches.length === 1);
    release();
    const [first, second] = await Promise.all(lookups);
    assert.equal(modeOf(first!), 'enforce');
    assert.equal(first, second);
    assert.equal(fetches.length, 1);
  });
});

/** Poll until `ready()`, for at most 2 s of event-loop turns. */
async function waitFor(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(ready(), 'condition not reached');
}

describe('decideTls', () => {
  const enforce = { mode: 'enforce' as const, mx: ['*.example.com'], maxAge: 86400 };

  it('applies no rules without a policy or in mode none', () => {
    const none = { connect: true, requireVerifiedTls: false, policyType: 'no-policy-found' };
    assert.deepEqual(decideTls(null, 'mx.example.com'), none);
    assert.equal(decideTls({ ...enforce, mode: 'none' }, 'mx.other.net').policyType, 'no-policy-found');
  });

  it('enforce: requires verified TLS to listed MX hosts and skips the others', () => {
    const listed = decideTls(enforce, 'mx1.example.com');
    assert.equal(listed.connect, true);
    assert.equal(listed.requireVerifiedTls, true);
    assert.equal(listed.matchNames?.(['*.example.com']), true);
    assert.equal(listed.matchNames?.(['mx2.example.com']), false);
    const unlisted = decideTls(enforce, 'mx.other.net');
    assert.equal(unlisted.connect, false);
    assert.equal(unlisted.failure, 'validation-failure');
  });

  it('testing: delivers anyway and reports', () => {
    const unlisted = decideTls({ ...enforce, mode: 'testing' }, 'mx.other.net');
    const { connect, requireVerifiedTls, policyType, failure } = unlisted;
    assert.deepEqual([connect, requireVerifiedTls, policyType, failure], [true, false, 'sts', 'validation-failure']);
    assert.equal(typeof unlisted.matchNames, 'function');
  });
});
