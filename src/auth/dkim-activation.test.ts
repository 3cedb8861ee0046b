import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { addDomain } from '../store/domains.js';
import { createLogger } from '../util/log.js';
import { stubResolver, type StubEntry } from '../delivery/mta-sts-testkit.js';
import { DkimActivator } from './dkim-activation.js';
import { createDkimKey, listDkimKeys } from './dkim-keys.js';

const log = createLogger({ log: { level: 'silent' } } as Parameters<typeof createLogger>[0]);
let store: TempStore;
beforeEach(() => {
  store = makeTempStore();
  addDomain(store.db, 'example.com', { local: false, sending: true, catchAll: false });
});
afterEach(() => store.cleanup());

test('a pending key becomes active once DNS publishes its exact p=, and the old key is retired', async () => {
  const old = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'active');
  const next = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'pending');
  const zone: Record<string, StubEntry> = {};
  const activator = new DkimActivator({ db: store.db, resolver: stubResolver(zone), retireDays: 3, log });
  assert.equal(await activator.runOnce(), 0, 'not published yet');
  zone[`${next.selector}._domainkey.example.com`] = { txt: [`v=DKIM1; k=rsa; p=${old.publicKey}`] };
  assert.equal(await activator.runOnce(), 0, 'a different key is published');
  zone[`${next.selector}._domainkey.example.com`] = { txt: [`v=DKIM1; k=rsa; p=${next.publicKey}`] };
  assert.equal(await activator.runOnce(), 1);
  const states = Object.fromEntries(listDkimKeys(store.db, 'example.com').map((k) => [k.selector, [k.state, k.retireAt !== null]]));
  assert.deepEqual(states, { [old.selector]: ['retired', true], [next.selector]: ['active', false] });
});

test('a DNS failure leaves the key pending', async () => {
  const next = createDkimKey(store.db, store.dataDir, 'example.com', 'rsa-sha256', 'pending');
  const activator = new DkimActivator({ db: store.db, resolver: stubResolver({ [`${next.selector}._domainkey.example.com`]: 'SERVFAIL' }), retireDays: 7, log });
  assert.equal(await activator.runOnce(), 0);
  assert.equal(listDkimKeys(store.db, 'example.com')[0]?.state, 'pending');
});
