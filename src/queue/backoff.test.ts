import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, nextRetry, retryHintMs, type RetryPolicy } from './backoff.js';

const policy: RetryPolicy = { minBackoffSeconds: 300, maxBackoffSeconds: 4000, jitter: 0.2, maxLifetimeSeconds: 432_000, maxHintSeconds: 86_400 };

test('backoff doubles from the minimum and stops at the maximum', () => {
  const waits = [1, 2, 3, 4, 5, 10].map((n) => backoffMs(policy, n, () => 0) / 1000);
  assert.deepEqual(waits, [300, 600, 1200, 2400, 4000, 4000]);
});

test('jitter adds at most its fraction of the wait', () => {
  assert.equal(backoffMs(policy, 1, () => 0.999999), Math.round(300_000 * (1 + 0.2 * 0.999999)));
  assert.equal(backoffMs({ ...policy, jitter: 0 }, 1, () => 0.7), 300_000);
});

test('retry hints in reply texts', () => {
  assert.equal(retryHintMs('4.7.0 Try again in 10 minutes'), 600_000);
  assert.equal(retryHintMs('Greylisted, please retry after 60 seconds'), 60_000);
  assert.equal(retryHintMs('try again later'), null);
  assert.equal(retryHintMs('rate limited; retry in 2h'), 7_200_000);
  assert.equal(retryHintMs('retry in 45'), 45_000);
});

test('a hint decides the next attempt, clamped by maxHintSeconds', () => {
  const now = 1_000_000;
  assert.deepEqual(nextRetry(policy, { now, receivedAt: now, attempts: 1, text: 'retry in 90 seconds' }), { kind: 'defer', at: now + 90_000 });
  const long = nextRetry({ ...policy, maxHintSeconds: 100 }, { now, receivedAt: now, attempts: 1, text: 'retry in 5 hours' });
  assert.deepEqual(long, { kind: 'defer', at: now + 100_000 });
});

test('the last attempt is at the end of the lifetime, after which the recipient expires', () => {
  const receivedAt = 0;
  const end = policy.maxLifetimeSeconds * 1000;
  const near = nextRetry(policy, { now: end - 10_000, receivedAt, attempts: 30, text: '' });
  assert.deepEqual(near, { kind: 'defer', at: end });
  assert.deepEqual(nextRetry(policy, { now: end, receivedAt, attempts: 31, text: '' }), { kind: 'expire' });
});
