import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { StoreDirectory } from './directory.js';
import { addDomain } from './domains.js';
import { makeTempStore, type TempStore } from './testkit.js';
import { addUser } from './users.js';

const credentials = { passwordHash: 'x', cramSecret: null };

describe('StoreDirectory', () => {
  let store: TempStore;
  let directory: StoreDirectory;
  before(() => {
    store = makeTempStore();
    addDomain(store.db, 'example.com', { local: true, sending: true, catchAll: false });
    addDomain(store.db, 'inbound.test', { local: true, sending: false, catchAll: false });
    addDomain(store.db, 'outbound.test', { local: false, sending: true, catchAll: false });
    addDomain(store.db, 'catch.test', { local: false, sending: false, catchAll: true });
    addDomain(store.db, 'bücher.de', { local: true, sending: true, catchAll: false });
    addUser(store.db, { name: 'alice@example.com', credentials });
    addUser(store.db, { name: 'bob', credentials, allowFrom: ['bob@outbound.test', '*@inbound.test', '*@example.com'] });
    addUser(store.db, { name: 'carol@xn--bcher-kva.de', credentials });
    directory = new StoreDirectory(store.db);
  });
  after(() => store.cleanup());

  it('accepts users, role accounts and catch-all domains', () => {
    assert.equal(directory.recipient('alice@example.com'), 'accept');
    assert.equal(directory.recipient('ALICE@Example.com'), 'accept');
    assert.equal(directory.recipient('PostMaster@inbound.test'), 'accept');
    assert.equal(directory.recipient('abuse@example.com'), 'accept');
    assert.equal(directory.recipient('anyone@catch.test'), 'accept');
    assert.equal(directory.recipient('carol@bücher.de'), 'accept');
  });

  it('tells unknown users from foreign domains', () => {
    assert.equal(directory.recipient('nobody@example.com'), 'unknown-user');
    assert.equal(directory.recipient('alice@elsewhere.org'), 'not-local');
    assert.equal(directory.recipient('alice@outbound.test'), 'not-local');
  });

  it('never throws on odd input', () => {
    for (const odd of ['', '@', 'no-at-sign', 'a@', '@example.com', 'a@b@example.com', 'x@[127.0.0.1]', '\0@\0', 'a@ex ample.com']) {
      assert.doesNotThrow(() => directory.recipient(odd), odd);
      assert.doesNotThrow(() => directory.maySendAs('bob', odd), odd);
    }
    assert.equal(directory.recipient('a@b@example.com'), 'unknown-user');
    assert.equal(directory.recipient('x@[127.0.0.1]'), 'not-local');
  });

  it('lets a user send only as a matching address at a sending domain', () => {
    assert.equal(directory.maySendAs('alice@example.com', 'alice@example.com'), true);
    assert.equal(directory.maySendAs('Alice@Example.com', 'Sales@EXAMPLE.com'), true);
    assert.equal(directory.maySendAs('alice@example.com', 'alice@outbound.test'), false);
    assert.equal(directory.maySendAs('bob', 'bob@outbound.test'), true);
    assert.equal(directory.maySendAs('bob', 'other@outbound.test'), false);
    assert.equal(directory.maySendAs('bob', 'bob@inbound.test'), false); // pattern matches, domain not sending
    assert.equal(directory.maySendAs('nobody', 'bob@outbound.test'), false);
    assert.equal(directory.maySendAs('carol@xn--bcher-kva.de', 'carol@bücher.de'), true);
  });
});
