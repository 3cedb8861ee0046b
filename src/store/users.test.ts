import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, storeErrorCode, type TempStore } from './testkit.js';
import { addUser, getUser, listUsers, parseAllowFrom, removeUser, setCredentials } from './users.js';

const credentials = { passwordHash: '$scrypt$placeholder', cramSecret: null };

describe('users', () => {
  let store: TempStore;
  beforeEach(() => (store = makeTempStore()));
  afterEach(() => store.cleanup());

  it('adds users with canonical names and default allow-from', () => {
    addUser(store.db, { name: 'Alice@Example.COM', credentials }, 1000);
    addUser(store.db, { name: 'bob', credentials: { ...credentials, cramSecret: 'sealed' } }, 2000);
    assert.deepEqual(listUsers(store.db), [
      { name: 'alice@example.com', allowFrom: ['*@example.com'], cramMd5: false, createdAt: 1000 },
      { name: 'bob', allowFrom: [], cramMd5: true, createdAt: 2000 },
    ]);
  });

  it('stores explicit allow-from patterns in canonical form', () => {
    const added = addUser(store.db, { name: 'carol', credentials, allowFrom: ['*@Example.org', 'Info@Example.com'] });
    assert.deepEqual(added.allowFrom, ['*@example.org', 'info@example.com']);
    assert.deepEqual(getUser(store.db, 'CAROL')?.allowFrom, ['*@example.org', 'info@example.com']);
  });

  it('replaces credentials and removes users', () => {
    addUser(store.db, { name: 'dave', credentials });
    setCredentials(store.db, 'Dave', { passwordHash: 'new', cramSecret: 'sealed' });
    assert.equal(getUser(store.db, 'dave')?.cramMd5, true);
    removeUser(store.db, 'DAVE');
    assert.equal(getUser(store.db, 'dave'), null);
  });

  it('refuses bad names and patterns, duplicates and unknown users', () => {
    assert.equal(storeErrorCode(() => addUser(store.db, { name: 'no spaces', credentials })), 'invalid');
    assert.equal(storeErrorCode(() => addUser(store.db, { name: 'eve', credentials, allowFrom: ['*@'] })), 'invalid');
    addUser(store.db, { name: 'eve', credentials });
    assert.equal(storeErrorCode(() => addUser(store.db, { name: 'EVE', credentials })), 'exists');
    assert.equal(storeErrorCode(() => removeUser(store.db, 'frank')), 'not-found');
    assert.equal(storeErrorCode(() => setCredentials(store.db, 'frank', credentials)), 'not-found');
  });

  it('reads a damaged allow_from column as allowing nothing', () => {
    assert.deepEqual(parseAllowFrom('not json'), []);
    assert.deepEqual(parseAllowFrom('{"a":1}'), []);
    assert.deepEqual(parseAllowFrom('["*@x.test"]'), ['*@x.test']);
  });
});
