import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BACKOFF, retryDelayMs } from './backoff.js';

test('10 s doubling, capped at an hour, without jitter', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100].map((n) => retryDelayMs(n, DEFAULT_BACKOFF, () => 0));
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000, 3_600_000, 3_600_000]);
});

test('jitter only shortens, by at most a quarter', () => {
  assert.equal(retryDelayMs(3, DEFAULT_BACKOFF, () => 0.999999), 30_000);
  for (let i = 0; i < 100; i++) {
    const d = retryDelayMs(2, DEFAULT_BACKOFF);
    assert.ok(d > 15_000 && d <= 20_000, String(d));
  }
});

test('a small base (the tests knob) keeps the same shape', () => {
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, { baseMs: 50, capMs: 3_600_000 }, () => 0)), [50, 100, 200]);
});
