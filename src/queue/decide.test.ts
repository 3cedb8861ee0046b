import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecipientResult } from '../delivery/job.js';
import type { Outcome } from '../smtp/client/types.js';
import { decide, type DecideContext } from './decide.js';

const HOUR = 3_600_000;
const ctx = (o: Partial<DecideContext> = {}): DecideContext => ({
  messageId: 'm1', sender: 'alice@example.test', receivedAt: 0, notify: undefined, attempts: 0,
  delayNotified: false, now: 60_000, delayWarningMs: 4 * HOUR,
  retry: { minBackoffSeconds: 300, maxBackoffSeconds: 4000, jitter: 0, maxLifetimeSeconds: 432_000, maxHintSeconds: 86_400 },
  ...o,
});
const result = (code: number, o: Partial<Outcome> = {}, attempt: Partial<RecipientResult['attempt']> = {}): RecipientResult => ({
  idx: 0,
  outcome: { code, enhanced: `${Math.floor(code / 100)}.0.0`, text: 'reply', remote: true, phase: 'rcpt', ...o },
  attempt: { startedAt: 0, durationMs: 1, route: 'mx', peerDsn: true, ...attempt },
});

test('2xx is delivered; no DSN unless NOTIFY=SUCCESS and we are the last DSN-aware hop', () => {
  assert.deepEqual([decide(result(250), ctx()).state, decide(result(250), ctx()).dsnPending], ['delivered', false]);
  const relayed = decide(result(250, {}, { peerDsn: false }), ctx({ notify: ['SUCCESS'] }));
  assert.deepEqual([relayed.state, relayed.dsnPending], ['relayed', true]);
  const local = decide(result(250, {}, { route: 'local' }), ctx({ notify: ['SUCCESS'] }));
  assert.deepEqual([local.state, local.dsnPending], ['delivered', true]);
  assert.equal(decide(result(250, {}, { peerDsn: true }), ctx({ notify: ['SUCCESS'] })).dsnPending, false);
});

test('5xx bounces with a failure DSN, except for a null sender or NOTIFY=NEVER', () => {
  const u = decide(result(550), ctx());
  assert.deepEqual([u.state, u.final, u.dsnPending], ['bounced', true, true]);
  assert.equal(decide(result(550), ctx({ sender: '' })).dsnPending, false);
  assert.equal(decide(result(550), ctx({ notify: ['NEVER'] })).dsnPending, false);
});

test('4xx defers with backoff; a hint wins; the attempt counts unless the destination was skipped', () => {
  const d = decide(result(450), ctx());
  assert.deepEqual([d.state, d.nextAttemptAt, d.countsAsAttempt], ['deferred', 60_000 + 300_000, true]);
  assert.equal(decide(result(450, { text: 'try again in 30 seconds' }), ctx()).nextAttemptAt, 90_000);
  assert.equal(decide(result(451, {}, { skipped: true }), ctx()).countsAsAttempt, false);
});

test('1xx and 3xx are never delivered: they defer', () => {
  assert.equal(decide(result(354), ctx()).state, 'deferred');
  assert.equal(decide(result(199), ctx()).state, 'deferred');
});

test('past the lifetime a temporary failure expires with a failure DSN', () => {
  const e = decide(result(450), ctx({ now: 432_000_000 }));
  assert.deepEqual([e.state, e.final, e.dsnPending], ['expired', true, true]);
});

test('a delay DSN is asked for once the wait passes delayWarning, once, and only if NOTIFY allows', () => {
  assert.equal(decide(result(450), ctx({ now: HOUR })).dsnPending, false);
  assert.equal(decide(result(450), ctx({ now: 5 * HOUR })).dsnPending, true);
  assert.equal(decide(result(450), ctx({ now: 5 * HOUR, delayNotified: true })).dsnPending, false);
  assert.equal(decide(result(450), ctx({ now: 5 * HOUR, notify: ['FAILURE'] })).dsnPending, false);
  assert.equal(decide(result(450), ctx({ now: 5 * HOUR, delayWarningMs: 0 })).dsnPending, false);
});
