import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRamp, isWarming, parseRamp, rampCap, warmupDay } from './warmup.js';

describe('warm-up ramps', () => {
  it('parses linear and percentage ramps and refuses nonsense', () => {
    assert.deepEqual(parseRamp('5,2,40'), { start: 5, step: 2, percent: false, target: 40 });
    assert.deepEqual(parseRamp(' 10, 20% ,200'), { start: 10, step: 20, percent: true, target: 200 });
    for (const bad of ['5,2', '0,2,40', '50,2,40', '5,0,40', 'a,b,c', '5,-2,40', '']) assert.equal(parseRamp(bad), null, bad);
    assert.equal(formatRamp(parseRamp('10,20%,200')!), '10,20%,200');
  });

  it('grows by STEP a day up to TARGET', () => {
    const r = parseRamp('5,2,40')!;
    assert.deepEqual([1, 2, 3, 18, 19, 30].map((d) => rampCap(r, d)), [5, 7, 9, 39, 40, 40]);
    assert.equal(isWarming(r, 18), true);
    assert.equal(isWarming(r, 19), false);
  });

  it('grows by a percentage of the day before', () => {
    const r = parseRamp('10,50%,100')!;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((d) => rampCap(r, d)), [10, 15, 22, 33, 50, 75, 100]);
  });

  it('counts days since the start, minus the held days before today', () => {
    assert.equal(warmupDay('2026-12-01', '2026-12-01', []), 1);
    assert.equal(warmupDay('2026-12-01', '2026-12-04', []), 4);
    assert.equal(warmupDay('2026-12-01', '2026-12-04', ['2026-12-02']), 3);
    // Today's hold counts from tomorrow; holds before the start do not count.
    assert.equal(warmupDay('2026-12-01', '2026-12-04', ['2026-12-04', '2026-11-30']), 4);
    assert.equal(warmupDay('2026-12-01', '2026-12-04', ['2026-12-01', '2026-12-02', '2026-12-03']), 1);
  });
});
