import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSince, decideSend, type BucketView } from './decide.js';

const NOW = 1_000_000_000;
const bucket = (over: Partial<BucketView> = {}): BucketView => ({ label: '', limits: {}, sentToday: 0, recent: [], nextSendAt: 0, dayEndsAt: NOW + 5_000, ...over });

describe('decideSend', () => {
  it('admits everything without limits, and up to what every bucket has left', () => {
    assert.deepEqual(decideSend(NOW, 3, [], [bucket()]), { admit: 3 });
    assert.deepEqual(decideSend(NOW, 10, [], [bucket({ limits: { daily: 5 }, sentToday: 2 }), bucket({ limits: { hourly: 4 }, recent: [NOW - 10] })]), { admit: 3 });
  });

  it('waits for the next day when the daily cap is used up', () => {
    assert.deepEqual(decideSend(NOW, 1, [], [bucket({ limits: { daily: 5 }, sentToday: 5 })]), { admit: 0, until: NOW + 5_000, reason: 'throttled: daily cap' });
  });

  it('waits until the oldest send of the window leaves it (hourly, per minute)', () => {
    const recent = [NOW - 3_000_000, NOW - 2_000_000, NOW - 100];
    assert.deepEqual(decideSend(NOW, 1, [], [bucket({ limits: { hourly: 3 }, recent })]), { admit: 0, until: NOW - 3_000_000 + 3_600_001, reason: 'throttled: hourly cap' });
    assert.deepEqual(decideSend(NOW, 1, [], [bucket({ label: 'google', limits: { perMinute: 1 }, recent })]), { admit: 0, until: NOW - 100 + 60_001, reason: 'throttled: google rate 1/min', spacingMs: 60_000 });
  });

  it('keeps the minimum gap', () => {
    assert.deepEqual(decideSend(NOW, 1, [], [bucket({ limits: { minGapMs: 60_000 }, nextSendAt: NOW + 30_000 })]), { admit: 0, until: NOW + 30_000, reason: 'throttled: min gap', spacingMs: 60_000 });
    assert.deepEqual(decideSend(NOW, 1, [], [bucket({ limits: { minGapMs: 60_000 }, nextSendAt: NOW })]), { admit: 1 });
  });

  it('a hold wins over caps, and the longest one is named', () => {
    const holds = [{ reason: 'paused: x', until: NOW + 10 }, { reason: 'suspended: y', until: NOW + 99 }, { reason: 'old', until: NOW - 1 }];
    assert.deepEqual(decideSend(NOW, 1, holds, [bucket()]), { admit: 0, until: NOW + 99, reason: 'suspended: y' });
  });

  it('names the bucket that holds longest', () => {
    const d = decideSend(NOW, 1, [], [bucket({ limits: { minGapMs: 1 }, nextSendAt: NOW + 10 }), bucket({ label: 'domain d.test', limits: { daily: 1 }, sentToday: 1 })]);
    assert.deepEqual(d, { admit: 0, until: NOW + 5_000, reason: 'throttled: domain d.test daily cap' });
  });

  it('countSince counts an ascending list from a time on', () => {
    assert.equal(countSince([1, 2, 3, 5, 8], 3), 3);
    assert.equal(countSince([], 3), 0);
    assert.equal(countSince([1, 2], 9), 0);
  });
});
