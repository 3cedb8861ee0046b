import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advance, newUids, planFolder, REVALIDATE_MARGIN_MS, statusMoved } from './cursor.js';

test('a folder never seen starts after its newest message, dated now', () => {
  assert.deepEqual(planFolder(null, { uidValidity: 7, uidNext: 42 }, 1000), { kind: 'start', cursor: { uidValidity: 7, lastUid: 41, lastDate: 1000 } });
  assert.deepEqual(planFolder(null, { uidValidity: 7, uidNext: 1 }, 1000), { kind: 'start', cursor: { uidValidity: 7, lastUid: 0, lastDate: 1000 } });
});

test('the same UIDVALIDITY continues after the last UID', () => {
  assert.deepEqual(planFolder({ uidValidity: 7, lastUid: 9, lastDate: 5 }, { uidValidity: 7, uidNext: 12 }, 1000), { kind: 'continue', after: 9 });
});

test('a new UIDVALIDITY re-reads since the last date minus the margin', () => {
  const plan = planFolder({ uidValidity: 7, lastUid: 9, lastDate: 5_000_000_000 }, { uidValidity: 8, uidNext: 3 }, 6_000_000_000);
  assert.deepEqual(plan, { kind: 'revalidate', since: 5_000_000_000 - REVALIDATE_MARGIN_MS, uidValidity: 8 });
});

test('STATUS moved: new UIDs or a new UIDVALIDITY', () => {
  const c = { uidValidity: 7, lastUid: 9, lastDate: 1 };
  assert.equal(statusMoved(c, { uidValidity: 7, uidNext: 10 }), false);
  assert.equal(statusMoved(c, { uidValidity: 7, uidNext: 11 }), true);
  assert.equal(statusMoved(c, { uidValidity: 8, uidNext: 10 }), true);
  assert.equal(statusMoved(null, { uidValidity: 8, uidNext: 1 }), true);
});

test('advance keeps the highest UID and date', () => {
  assert.deepEqual(advance({ uidValidity: 1, lastUid: 5, lastDate: 100 }, 6, 50), { uidValidity: 1, lastUid: 6, lastDate: 100 });
  assert.deepEqual(advance({ uidValidity: 1, lastUid: 5, lastDate: null }, 7, 200), { uidValidity: 1, lastUid: 7, lastDate: 200 });
});

test('newUids drops UIDs at or below the cursor (UID n:* answers the last message) and sorts', () => {
  assert.deepEqual(newUids([9], 9), []);
  assert.deepEqual(newUids([12, 10, 10, 4], 9), [10, 12]);
});
