import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { addDomain, getDomain, listDomains, removeDomain } from './domains.js';
import { makeTempStore, storeErrorCode, type TempStore } from './testkit.js';

const none = { local: false, sending: false, catchAll: false };

describe('domains', () => {
  let store: TempStore;
  beforeEach(() => (store = makeTempStore()));
  afterEach(() => store.cleanup());

  it('adds, lists and removes canonical names', () => {
    addDomain(store.db, 'Example.COM', { ...none, sending: true }, 1000);
    addDomain(store.db, 'bücher.de', { ...none, local: true }, 2000);
    assert.deepEqual(listDomains(store.db), [
      { name: 'example.com', local: false, sending: true, catchAll: false, createdAt: 1000 },
      { name: 'xn--bcher-kva.de', local: true, sending: false, catchAll: false, createdAt: 2000 },
    ]);
    removeDomain(store.db, 'EXAMPLE.com');
    assert.deepEqual(listDomains(store.db).map((d) => d.name), ['xn--bcher-kva.de']);
  });

  it('makes a catch-all domain local', () => {
    const added = addDomain(store.db, 'catch.test', { ...none, catchAll: true });
    assert.equal(added.local, true);
    assert.equal(getDomain(store.db, 'catch.test')?.local, true);
  });

  it('refuses bad names, duplicates and unknown domains with coded errors', () => {
    assert.equal(storeErrorCode(() => addDomain(store.db, 'not a domain', none)), 'invalid');
    addDomain(store.db, 'example.com', none);
    assert.equal(storeErrorCode(() => addDomain(store.db, 'EXAMPLE.com', none)), 'exists');
    assert.equal(storeErrorCode(() => removeDomain(store.db, 'other.com')), 'not-found');
    assert.equal(getDomain(store.db, '???'), null);
  });
});
