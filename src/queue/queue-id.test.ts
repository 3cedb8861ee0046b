import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQueueId, QueueIdGenerator, queueIdTime } from './queue-id.js';

test('ids are 26 URL-safe Crockford characters that carry their creation time', () => {
  const now = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
  const id = new QueueIdGenerator().next(now);
  assert.equal(id.length, 26);
  assert.ok(isQueueId(id), id);
  assert.match(id, /^[0-9A-Z]+$/);
  assert.equal(queueIdTime(id), now);
});

test('ids made in the same millisecond still sort in creation order', () => {
  const ids = new QueueIdGenerator();
  const made = Array.from({ length: 5000 }, () => ids.next(1_700_000_000_000));
  assert.deepEqual([...made].sort(), made);
  assert.equal(new Set(made).size, made.length);
});

test('a clock that steps back does not break the order', () => {
  const ids = new QueueIdGenerator();
  const first = ids.next(1_700_000_005_000);
  const second = ids.next(1_700_000_000_000);
  assert.ok(second > first);
});

test('later milliseconds sort later across generators', () => {
  const early = new QueueIdGenerator().next(1_700_000_000_000);
  const late = new QueueIdGenerator().next(1_700_000_000_001);
  assert.ok(late > early);
});

test('isQueueId rejects strays', () => {
  for (const name of ['', 'x.tmp', '01J9Z3M4Q8X2K7P5R6T9V0W1Y', '01J9Z3M4Q8X2K7P5R6T9V0W1YU', '81J9Z3M4Q8X2K7P5R6T9V0W1YB']) {
    assert.equal(isQueueId(name), false, name);
  }
});

test('each new millisecond draws a fresh random part, across refills of the random pool', () => {
  const ids = new QueueIdGenerator();
  const randomParts = Array.from({ length: 500 }, (_, i) => ids.next(1_700_000_000_000 + i).slice(10));
  assert.equal(new Set(randomParts).size, randomParts.length);
});
