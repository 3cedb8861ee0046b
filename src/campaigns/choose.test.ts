import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashFraction, pickWeighted, seeded } from './choose.js';

describe('seeded randomness', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const take = (seed: string) => { const next = seeded(seed); return Array.from({ length: 20 }, next); };
    assert.deepEqual(take('contact-1'), take('contact-1'));
    assert.notDeepEqual(take('contact-1'), take('contact-2'));
    assert.notDeepEqual(take(''), take(' '));
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const next = seeded('uniform');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = next();
      assert.ok(x >= 0 && x < 1, String(x));
      buckets[Math.floor(x * 10)]!++;
    }
    for (const b of buckets) assert.ok(b > 9_400 && b < 10_600, `bucket of ${b}`);
  });

  it('accepts any string as a seed, unicode included', () => {
    assert.equal(typeof seeded('🙂 ünïcode')(), 'number');
    assert.notEqual(seeded('é')(), seeded('e')());
  });
});

describe('weighted choice', () => {
  const items = [{ id: 'A', weight: 3 }, { id: 'B', weight: 1 }] as const;

  it('follows the weights (3:1 over 4000 seeds)', () => {
    let a = 0;
    for (let i = 0; i < 4000; i++) if (pickWeighted(items, `seed-${i}`).id === 'A') a++;
    assert.ok(a > 2800 && a < 3200, `A picked ${a} times of 4000`);
  });

  it('is deterministic per seed', () => {
    for (let i = 0; i < 50; i++) assert.equal(pickWeighted(items, `s${i}`), pickWeighted(items, `s${i}`));
  });

  it('never picks a zero weight and handles one item', () => {
    const withZero = [{ id: 'X', weight: 0 }, { id: 'Y', weight: 2 }, { id: 'Z', weight: 0 }];
    for (let i = 0; i < 500; i++) assert.equal(pickWeighted(withZero, String(i)).id, 'Y');
    assert.equal(pickWeighted([{ id: 'only', weight: 5 }], 'x').id, 'only');
  });

  it('reaches every item', () => {
    const many = ['A', 'B', 'C', 'D', 'E'].map((id) => ({ id, weight: 1 }));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(pickWeighted(many, `k${i}`).id);
    assert.equal(seen.size, 5);
  });

  it('refuses no items, negative, non-finite and all-zero weights', () => {
    assert.throws(() => pickWeighted([], 's'), RangeError);
    assert.throws(() => pickWeighted([{ weight: -1 }, { weight: 2 }], 's'), RangeError);
    assert.throws(() => pickWeighted([{ weight: Number.NaN }], 's'), RangeError);
    assert.throws(() => pickWeighted([{ weight: Infinity }], 's'), RangeError);
    assert.throws(() => pickWeighted([{ weight: 0 }, { weight: 0 }], 's'), RangeError);
  });
});

describe('hash fractions', () => {
  it('is stable, in [0, 1) and spread out', () => {
    assert.equal(hashFraction('c/1'), hashFraction('c/1'));
    assert.notEqual(hashFraction('c/1'), hashFraction('c/2'));
    let low = 0;
    for (let i = 0; i < 2000; i++) {
      const f = hashFraction(`key-${i}`);
      assert.ok(f >= 0 && f < 1);
      if (f < 0.5) low++;
    }
    assert.ok(low > 900 && low < 1100, `${low} of 2000 below one half`);
  });
});
