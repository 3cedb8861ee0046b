import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BOUNCE_CLASSES } from '../bounce/classes.js';
import { makeTempStore, storeErrorCode, type TempStore } from '../store/testkit.js';
import { entryForBounce, mergeEntries, SuppressionStore, type SuppressionEntry } from './store.js';

const DAY = 86_400_000;
const T = 1_700_000_000_000;

describe('SuppressionStore', () => {
  let store: TempStore;
  let s: SuppressionStore;
  beforeEach(() => {
    store = makeTempStore();
    s = new SuppressionStore(store.db);
  });
  afterEach(() => store.cleanup());

  it('stores addresses and scopes lower-cased and trimmed, and matches any case', () => {
    const { entry, outcome } = s.add({ address: '  Bob@Example.COM ', scope: ' Shop.Example ', reason: 'manual', at: T });
    assert.equal(outcome, 'added');
    assert.deepEqual(entry, {
      address: 'bob@example.com', scope: 'shop.example', reason: 'manual', detail: null, sourceMessage: null, createdAt: T, expiresAt: null,
    });
    assert.equal(s.isSuppressed('BOB@example.com', 'SHOP.example', T)?.address, 'bob@example.com');
    assert.equal(s.count(), 1);
  });

  it('rejects bad addresses, scopes and reasons with StoreError("invalid")', () => {
    assert.equal(storeErrorCode(() => s.add({ address: 'not an address', reason: 'manual' })), 'invalid');
    assert.equal(storeErrorCode(() => s.add({ address: 'a@', reason: 'manual' })), 'invalid');
    assert.equal(storeErrorCode(() => s.add({ address: 'a@example.com', scope: 'bad domain!', reason: 'manual' })), 'invalid');
    assert.equal(storeErrorCode(() => s.add({ address: 'a@example.com', reason: 'spite' as 'manual' })), 'invalid');
    assert.equal(s.count(), 0);
  });

  it('a global entry stops every sending domain; a scoped one only its own', () => {
    s.add({ address: 'g@x.test', reason: 'hard-bounce', at: T });
    s.add({ address: 'd@x.test', scope: 'one.test', reason: 'unsubscribe', at: T });
    assert.equal(s.isSuppressed('g@x.test', 'one.test', T)?.scope, '');
    assert.equal(s.isSuppressed('g@x.test', '', T)?.scope, '', 'the null sender too');
    assert.equal(s.isSuppressed('d@x.test', 'one.test', T)?.reason, 'unsubscribe');
    assert.equal(s.isSuppressed('d@x.test', 'two.test', T), null);
    assert.equal(s.isSuppressed('d@x.test', '', T), null);
    assert.equal(s.isSuppressed('nobody@x.test', 'one.test', T), null);
    assert.equal(s.isSuppressed('garbage', 'one.test', T), null);
  });

  it('an entry stops matching once it expires', () => {
    s.add({ address: 'e@x.test', reason: 'manual', expiresAt: T + DAY, at: T });
    assert.ok(s.isSuppressed('e@x.test', 'a.test', T + DAY - 1));
    assert.equal(s.isSuppressed('e@x.test', 'a.test', T + DAY), null);
    assert.equal(s.purgeExpired(T + DAY), 1);
    assert.equal(s.count(), 0);
  });

  it('prefers a permanent match over an expiring one', () => {
    s.add({ address: 'p@x.test', reason: 'manual', expiresAt: T + DAY, at: T });
    s.add({ address: 'p@x.test', scope: 'a.test', reason: 'complaint', at: T });
    assert.equal(s.isSuppressed('p@x.test', 'a.test', T)?.reason, 'complaint');
  });

  it('never weakens a permanent entry with a later expiring one', () => {
    s.add({ address: 'h@x.test', reason: 'hard-bounce', detail: 'userunknown', at: T });
    const { entry, outcome } = s.add({ address: 'H@x.test', reason: 'manual', expiresAt: T + DAY, at: T + 1 });
    assert.equal(outcome, 'kept');
    assert.deepEqual([entry.reason, entry.detail, entry.expiresAt], ['hard-bounce', 'userunknown', null]);
    assert.equal(s.list({ limit: 10 })[0]?.reason, 'hard-bounce');
  });

  it('lets a permanent entry replace an expiring one, and keeps the later of two expiries', () => {
    s.add({ address: 'm@x.test', reason: 'manual', expiresAt: T + 10 * DAY, at: T });
    assert.equal(s.add({ address: 'm@x.test', reason: 'manual', expiresAt: T + 2 * DAY, at: T + 1 }).entry.expiresAt, T + 10 * DAY);
    assert.equal(s.add({ address: 'm@x.test', reason: 'manual', expiresAt: T + 20 * DAY, at: T + 2 }).entry.expiresAt, T + 20 * DAY);
    const { entry, outcome } = s.add({ address: 'm@x.test', reason: 'complaint', sourceMessage: 'Q1', at: T + 3 });
    assert.equal(outcome, 'updated');
    assert.deepEqual([entry.reason, entry.expiresAt, entry.sourceMessage, entry.createdAt], ['complaint', null, 'Q1', T + 3]);
  });

  it('treats an expired entry as absent', () => {
    s.add({ address: 'o@x.test', reason: 'manual', expiresAt: T + DAY, at: T });
    const { entry } = s.add({ address: 'o@x.test', reason: 'manual', expiresAt: T + 3 * DAY, at: T + 2 * DAY });
    assert.equal(entry.expiresAt, T + 3 * DAY);
    assert.equal(entry.createdAt, T + 2 * DAY);
  });

  it('removes by address and scope', () => {
    s.add({ address: 'r@x.test', reason: 'manual' });
    s.add({ address: 'r@x.test', scope: 'a.test', reason: 'manual' });
    assert.equal(s.remove('R@X.test', 'a.test'), true);
    assert.equal(s.remove('r@x.test', 'a.test'), false);
    assert.equal(s.remove('r@x.test'), true);
    assert.equal(s.count(), 0);
  });

  it('lists with filters, search and a cursor', () => {
    s.addMany([
      { address: 'a@one.test', reason: 'manual', detail: 'asked by phone' },
      { address: 'b@one.test', scope: 'shop.test', reason: 'unsubscribe' },
      { address: 'c@two.test', reason: 'hard-bounce', detail: 'userunknown 5.1.1' },
      { address: 'd_x@two.test', reason: 'complaint' },
    ]);
    const addresses = (q: Parameters<SuppressionStore['list']>[0]) => s.list(q).map((e) => e.address);
    assert.deepEqual(addresses({ limit: 10 }), ['a@one.test', 'b@one.test', 'c@two.test', 'd_x@two.test']);
    assert.deepEqual(addresses({ limit: 10, scope: 'SHOP.test' }), ['b@one.test']);
    assert.deepEqual(addresses({ limit: 10, scope: '' }), ['a@one.test', 'c@two.test', 'd_x@two.test']);
    assert.deepEqual(addresses({ limit: 10, reason: 'hard-bounce' }), ['c@two.test']);
    assert.deepEqual(addresses({ limit: 10, search: 'ONE.test' }), ['a@one.test', 'b@one.test']);
    assert.deepEqual(addresses({ limit: 10, search: 'phone' }), ['a@one.test'], 'searches the detail too');
    assert.deepEqual(addresses({ limit: 10, search: '_' }), ['d_x@two.test'], 'LIKE wildcards are literal');
    assert.deepEqual(addresses({ limit: 2, afterAddress: 'a@one.test' }), ['b@one.test', 'c@two.test']);
  });

  it('pages exactly with an (address, scope) cursor when an address has several scopes', () => {
    s.addMany([
      { address: 'a@x.test', reason: 'manual' },
      { address: 'a@x.test', scope: 'one.test', reason: 'manual' },
      { address: 'a@x.test', scope: 'two.test', reason: 'manual' },
      { address: 'b@x.test', reason: 'manual' },
    ]);
    const keys = (q: Parameters<SuppressionStore['list']>[0]) => s.list(q).map((e) => `${e.address}/${e.scope}`);
    assert.deepEqual(keys({ limit: 2, afterAddress: 'a@x.test', afterScope: '' }), ['a@x.test/one.test', 'a@x.test/two.test']);
    assert.deepEqual(keys({ limit: 2, afterAddress: 'a@x.test', afterScope: 'two.test' }), ['b@x.test/']);
  });

  it('addMany rolls back every entry when one is invalid', () => {
    assert.equal(storeErrorCode(() => s.addMany([{ address: 'ok@x.test', reason: 'manual' }, { address: 'bad', reason: 'manual' }])), 'invalid');
    assert.equal(s.count(), 0);
  });
});

describe('mergeEntries', () => {
  const entry = (expiresAt: number | null, createdAt = T): SuppressionEntry =>
    ({ address: 'a@x.test', scope: '', reason: 'manual', detail: null, sourceMessage: null, createdAt, expiresAt });
  it('follows the upsert rules', () => {
    assert.deepEqual(mergeEntries(null, entry(5)), entry(5));
    assert.equal(mergeEntries(entry(null), entry(T + 5)), null);
    assert.deepEqual(mergeEntries(entry(T + 5), entry(null)), entry(null));
    assert.deepEqual(mergeEntries(entry(T + 9), entry(T + 5))?.expiresAt, T + 9);
    assert.deepEqual(mergeEntries(entry(T - 1), entry(T + 5)), entry(T + 5));
  });
});

describe('entryForBounce', () => {
  it('suppresses hard bounces and complaints permanently, nothing else', () => {
    assert.deepEqual(entryForBounce('hard', 'userunknown'), { reason: 'hard-bounce', detail: 'userunknown', expiresAt: null });
    assert.deepEqual(entryForBounce('complaint', 'feedback'), { reason: 'complaint', detail: 'feedback', expiresAt: null });
    for (const cls of BOUNCE_CLASSES.filter((c) => c !== 'hard' && c !== 'complaint')) {
      assert.equal(entryForBounce(cls, 'blocked'), null, cls);
    }
  });
});
