import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authRetryDelayMs, reconnectDelayMs } from './backoff.js';

const cfg = { reconnectMinSeconds: 5, reconnectMaxSeconds: 900 };

test('reconnect delays double from the minimum, with jitter within ±20%', () => {
  assert.equal(reconnectDelayMs(1, cfg, 0.5), 5000);
  assert.equal(reconnectDelayMs(2, cfg, 0.5), 10_000);
  assert.equal(reconnectDelayMs(3, cfg, 0.5), 20_000);
  assert.equal(reconnectDelayMs(3, cfg, 0), 16_000);
  assert.equal(reconnectDelayMs(3, cfg, 0.999999), 24_000);
});

test('reconnect delays stay within min..max, even after many failures', () => {
  assert.equal(reconnectDelayMs(1, cfg, 0), 5000, 'never below the minimum');
  assert.equal(reconnectDelayMs(100, cfg, 0.999), 900_000, 'never above the maximum');
  assert.equal(reconnectDelayMs(100, cfg, 0), 720_000);
  assert.equal(reconnectDelayMs(0, cfg, 0.5), 5000);
});

test('a refused login waits authRetryMinutes', () => {
  assert.equal(authRetryDelayMs({ authRetryMinutes: 60 }), 3_600_000);
});
