import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNullMx, orderMx, withoutSelf } from './mx.js';

const mx = (preference: number, exchange: string) => ({ preference, exchange });

test('MX records are ordered by preference and equal ones are shuffled', () => {
  const records = [mx(20, 'c'), mx(10, 'a'), mx(10, 'b')];
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const ordered = orderMx(records);
    assert.equal(ordered[2]!.exchange, 'c');
    seen.add(ordered[0]!.exchange);
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('a null MX is a single record with the root as exchange', () => {
  assert.equal(isNullMx([mx(0, '')]), true);
  assert.equal(isNullMx([mx(0, ''), mx(10, 'a')]), false);
  assert.equal(isNullMx([mx(0, 'a')]), false);
});

test('our own MX and every worse one are dropped', () => {
  const records = [mx(10, 'a'), mx(20, 'us'), mx(30, 'c')];
  assert.deepEqual(withoutSelf(records, (x) => x === 'us'), [mx(10, 'a')]);
  assert.deepEqual(withoutSelf([mx(10, 'us'), mx(20, 'b')], (x) => x === 'us'), []);
  assert.deepEqual(withoutSelf(records, () => false), records);
});
