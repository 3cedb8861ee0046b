// Idempotency keys: claim, replay, mismatch, waiting duplicates, orphans after a crash, and the 24 h purge.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore, requestHash } from './idempotency.js';

let store: TempStore;
let now = 1_000_000;
beforeEach(() => {
  store = makeTempStore();
  now = 1_000_000_000;
});
afterEach(() => store.cleanup());

test('requestHash ignores key order but not values', () => {
  assert.equal(requestHash({ a: 1, b: [1, { c: 2, d: 3 }] }), requestHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.notEqual(requestHash({ a: 1 }), requestHash({ a: '1' }));
  assert.notEqual(requestHash({ raw: Buffer.from('x') }), requestHash({ raw: Buffer.from('y') }));
});

test('claimed, then replayed with the same body; another body is a mismatch', () => {
  const keys = new IdempotencyStore(store.db, () => now);
  assert.deepEqual(keys.claim('k1', 'abc', 'h1', 'M1'), { kind: 'claimed' });
  keys.complete('k1', 'abc', 'M1', { id: 'M1' });
  assert.deepEqual(keys.claim('k1', 'abc', 'h1', 'M2'), { kind: 'replay', response: { id: 'M1' } });
  assert.deepEqual(keys.claim('k1', 'abc', 'h2', 'M3'), { kind: 'mismatch' });
  assert.deepEqual(keys.claim('k2', 'abc', 'h2', 'M4'), { kind: 'claimed' }, 'keys are per API key');
});

test('a concurrent duplicate waits for the first request, then replays its answer', async () => {
  const keys = new IdempotencyStore(store.db, () => now);
  assert.equal(keys.claim('k', 'x', 'h', 'M1').kind, 'claimed');
  const second = keys.claim('k', 'x', 'h', 'M2');
  assert.equal(second.kind, 'in-progress');
  setImmediate(() => keys.complete('k', 'x', 'M1', { id: 'M1' }));
  await (second as { settled: Promise<void> }).settled;
  assert.deepEqual(keys.claim('k', 'x', 'h', 'M2'), { kind: 'replay', response: { id: 'M1' } });
});

test('a released key may be used again; a claim left by another process is an orphan', () => {
  const keys = new IdempotencyStore(store.db, () => now);
  keys.claim('k', 'x', 'h', 'M1');
  keys.release('k', 'x');
  assert.equal(keys.claim('k', 'x', 'h2', 'M2').kind, 'claimed');
  const restarted = new IdempotencyStore(store.db, () => now);
  assert.deepEqual(restarted.claim('k', 'x', 'h2', 'M3'), { kind: 'orphaned', messageId: 'M2' });
  restarted.reclaim('k', 'x', 'M3');
  assert.equal(restarted.claim('k', 'x', 'h2', 'M4').kind, 'in-progress');
});

test('rows older than 24 hours are purged', () => {
  const keys = new IdempotencyStore(store.db, () => now);
  keys.claim('k', 'old', 'h', 'M1');
  keys.complete('k', 'old', 'M1', {});
  now += IDEMPOTENCY_TTL_MS + 1;
  keys.claim('k', 'new', 'h', 'M2'); // purges on the way
  assert.equal(store.db.prepare('SELECT count(*) FROM idempotency_keys').pluck().get(), 1);
  assert.equal(keys.claim('k', 'old', 'other', 'M3').kind, 'claimed');
});
