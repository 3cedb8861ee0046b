import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { QueueIdGenerator } from '../queue/queue-id.js';
import { looksTagged, ReturnPaths } from './verp.js';

const key = randomBytes(32);
const local = new Set(['example.com', 'bounces.example.net']);
const paths = new ReturnPaths(key, { mode: 'verp', isLocalDomain: (d) => local.has(d) });
const id = new QueueIdGenerator().next();

test('a local sender gets a tagged return path that names its message', () => {
  const rp = paths.for(id, 'Alice@Example.com');
  assert.match(rp, /^b\+[0-9a-z]{26}-[0-9a-z]{10}@example\.com$/);
  assert.ok(looksTagged(rp));
  assert.equal(paths.messageIdOf(rp), id);
  assert.equal(paths.messageIdOf(rp.toUpperCase()), id, 'an MTA that folds case still finds it');
});

test('forged, altered or foreign tags are not ours', () => {
  const rp = paths.for(id, 'alice@example.com');
  const [local] = rp.split('@');
  const flipped = local!.slice(0, -1) + (local!.endsWith('0') ? '1' : '0');
  assert.equal(paths.messageIdOf(`${flipped}@example.com`), null);
  const other = new ReturnPaths(randomBytes(32), { mode: 'verp', isLocalDomain: () => true });
  assert.equal(other.messageIdOf(rp), null, 'another installation\'s key');
  assert.equal(paths.messageIdOf('b+nothing@example.com'), null);
  assert.equal(paths.messageIdOf('alice@example.com'), null);
});

test('the null sender, non-local domains and mode sender keep the address as submitted', () => {
  assert.equal(paths.for(id, ''), '');
  assert.equal(paths.for(id, 'bob@elsewhere.org'), 'bob@elsewhere.org');
  const off = new ReturnPaths(key, { mode: 'sender', isLocalDomain: () => true });
  assert.equal(off.for(id, 'alice@example.com'), 'alice@example.com');
});

test('a fixed VERP domain is used for every sender', () => {
  const fixed = new ReturnPaths(key, { mode: 'verp', domain: 'bounces.example.net', isLocalDomain: (d) => local.has(d) });
  const rp = fixed.for(id, 'bob@elsewhere.org');
  assert.match(rp, /@bounces\.example\.net$/);
  assert.equal(fixed.messageIdOf(rp), id);
});
