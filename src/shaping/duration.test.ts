// Durations of the shaping rules: the forms the file uses, what is refused, and the text back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads days, hours, minutes and seconds, alone or combined in that order', () => {
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration(' 4h '), 14_400_000);
  });
  it('refuses anything else, and zero', () => {
    for (const bad of ['', '1x', 'h', '1.5h', '30m1h', '-1h', '0m', '1 h', '1H', '1hour']) assert.equal(parseDuration(bad), null, bad);
  });
});

describe('formatDuration', () => {
  it('writes the shortest exact form', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(90_500), '1m30s');
    assert.equal(formatDuration(0), '0s');
  });
  it('round-trips what it writes', () => {
    for (const ms of [1000, 60_000, 1_800_000, 43_200_000, 93_784_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
});
