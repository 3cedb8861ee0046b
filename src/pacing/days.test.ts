import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayKey, dayStartOf, daysBetween, isTimeZone, nextDayStart } from './days.js';

describe('days in a time zone', () => {
  it('names the day of an instant in its zone', () => {
    const t = Date.UTC(2026, 11, 4, 23, 30);
    assert.equal(dayKey(t, 'UTC'), '2026-12-04');
    assert.equal(dayKey(t, 'Europe/Berlin'), '2026-12-05');
    assert.equal(dayKey(t, 'America/New_York'), '2026-12-04');
  });

  it('finds the start of a day, also for half-hour zones', () => {
    assert.equal(dayStartOf('2026-12-05', 'UTC'), Date.UTC(2026, 11, 5));
    assert.equal(dayStartOf('2026-12-05', 'Europe/Berlin'), Date.UTC(2026, 11, 4, 23));
    assert.equal(dayStartOf('2026-12-05', 'Asia/Kolkata'), Date.UTC(2026, 11, 4, 18, 30));
  });

  it('finds the next day across daylight-saving changes (a 23- and a 25-hour day)', () => {
    // Europe/Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25.
    const spring = Date.UTC(2026, 2, 29, 10);
    assert.equal(nextDayStart(spring, 'Europe/Berlin') - dayStartOf('2026-03-29', 'Europe/Berlin'), 23 * 3_600_000);
    const autumn = Date.UTC(2026, 9, 25, 10);
    assert.equal(nextDayStart(autumn, 'Europe/Berlin') - dayStartOf('2026-10-25', 'Europe/Berlin'), 25 * 3_600_000);
    assert.equal(nextDayStart(Date.UTC(2026, 11, 31, 12), 'UTC'), Date.UTC(2027, 0, 1));
  });

  it('counts days between keys and knows zones', () => {
    assert.equal(daysBetween('2026-12-01', '2026-12-04'), 3);
    assert.equal(daysBetween('2026-12-31', '2027-01-01'), 1);
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});
