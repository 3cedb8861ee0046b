import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescedRun } from './coalesce.js';

test('wakes during a pass become exactly one more pass; passes never overlap', async () => {
  let passes = 0;
  let active = 0;
  let release!: () => void;
  const run = new CoalescedRun(async () => {
    passes++;
    active++;
    assert.equal(active, 1, 'two passes at once');
    if (passes === 1) await new Promise<void>((r) => (release = r));
    active--;
  });
  const first = run.wake();
  void run.wake();
  void run.wake();
  release();
  await first;
  await new Promise((r) => setImmediate(r));
  await run.idle();
  assert.equal(passes, 2);
});
