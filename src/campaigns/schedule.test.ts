import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Weekday, Window } from './definition.js';
import { addDelay, contactZone, isOpen, localDay, nextOpening, placeInWindow, startIntervalMs, windowEnd } from './schedule.js';

const WORKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const EVERY_DAY: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const H = 3_600_000;

/** A window as the campaign schema produces it (start and end in minutes from local midnight). */
const win = (over: Partial<Window> = {}): Window => ({ timezone: 'UTC', fallbackTimezone: 'UTC', days: WORKDAYS, start: 9 * 60, end: 17 * 60, ...over });
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const iso = (ms: number) => new Date(ms).toISOString();

// 2026-03-09 is a Monday. Europe/Paris changes on 2026-03-29 (02:00 CET → 03:00 CEST) and
// 2026-10-25 (03:00 CEST → 02:00 CET).
describe('a contact in Tokyo with a mon–fri 09:00–17:00 window in the contact zone', () => {
  const schedule = win({ timezone: 'contact' });
  const zone = contactZone(schedule, { timezone: 'Asia/Tokyo' });

  it('reads the contact zone', () => assert.equal(zone, 'Asia/Tokyo'));

  it('is closed at 03:00 Tokyo and opens at 09:00 Tokyo (00:00 UTC)', () => {
    const night = utc(2026, 3, 9, 18); // Tuesday 03:00 in Tokyo
    assert.equal(isOpen(schedule, zone, night), false);
    assert.equal(iso(nextOpening(schedule, zone, night)), iso(utc(2026, 3, 10, 0)));
  });

  it('is open from 09:00 up to but not including 17:00 local', () => {
    assert.equal(isOpen(schedule, zone, utc(2026, 3, 10, 0)), true);
    assert.equal(isOpen(schedule, zone, utc(2026, 3, 10, 7, 59, 59, 999)), true);
    assert.equal(isOpen(schedule, zone, utc(2026, 3, 10, 8)), false);
    assert.equal(isOpen(schedule, zone, utc(2026, 3, 9, 23, 59, 59)), false);
    const open = utc(2026, 3, 10, 3);
    assert.equal(nextOpening(schedule, zone, open), open);
    assert.equal(iso(windowEnd(schedule, zone, open)), iso(utc(2026, 3, 10, 8)));
  });

  it('goes from Friday evening (and the weekend) to Monday 09:00', () => {
    const monday = iso(utc(2026, 3, 16, 0));
    assert.equal(iso(nextOpening(schedule, zone, utc(2026, 3, 13, 10))), monday); // Fri 19:00 Tokyo
    assert.equal(iso(nextOpening(schedule, zone, utc(2026, 3, 14, 3))), monday); // Sat noon
    assert.equal(isOpen(schedule, zone, utc(2026, 3, 14, 3)), false);
  });

  it('names the local day', () => {
    assert.equal(localDay(utc(2026, 3, 9, 18), zone), '2026-03-10');
    assert.equal(localDay(utc(2026, 3, 9, 18), 'UTC'), '2026-03-09');
  });
});

describe('windows across daylight-saving changes (Europe/Paris)', () => {
  const zone = 'Europe/Paris';
  const daily = win({ timezone: zone, days: EVERY_DAY });

  it('keeps 09:00 local on both sides of the last Sunday of March', () => {
    assert.equal(iso(nextOpening(daily, zone, utc(2026, 3, 27, 20))), iso(utc(2026, 3, 28, 8))); // CET
    assert.equal(iso(nextOpening(daily, zone, utc(2026, 3, 28, 18))), iso(utc(2026, 3, 29, 7))); // CEST
    assert.equal(isOpen(daily, zone, utc(2026, 3, 29, 7)), true);
    assert.equal(isOpen(daily, zone, utc(2026, 3, 29, 6, 59)), false);
    assert.equal(iso(windowEnd(daily, zone, utc(2026, 3, 29, 10))), iso(utc(2026, 3, 29, 15)));
  });

  it('keeps 09:00 local on both sides of the last Sunday of October', () => {
    assert.equal(iso(nextOpening(daily, zone, utc(2026, 10, 23, 20))), iso(utc(2026, 10, 24, 7))); // CEST
    assert.equal(iso(nextOpening(daily, zone, utc(2026, 10, 24, 18))), iso(utc(2026, 10, 25, 8))); // CET
    assert.equal(iso(windowEnd(daily, zone, utc(2026, 10, 25, 10))), iso(utc(2026, 10, 25, 16)));
  });

  it('opens at the first instant after a start time that does not exist (spring-forward gap)', () => {
    const early = win({ timezone: zone, days: EVERY_DAY, start: 2 * 60 + 30, end: 4 * 60 });
    const opening = nextOpening(early, zone, utc(2026, 3, 28, 23)); // Sunday 00:00 CET
    assert.equal(iso(opening), iso(utc(2026, 3, 29, 1))); // 03:00 CEST
    assert.equal(isOpen(early, zone, opening), true);
    assert.equal(isOpen(early, zone, opening - 1), false);
    assert.equal(iso(nextOpening(early, zone, utc(2026, 3, 29, 2))), iso(utc(2026, 3, 30, 0, 30))); // 02:30 CEST
  });

  it('handles a gap at midnight (America/Santiago skips 00:00–01:00 on 2026-09-06)', () => {
    const zone = 'America/Santiago';
    const nights = win({ timezone: zone, days: EVERY_DAY, start: 0, end: 2 * 60 });
    assert.equal(iso(nextOpening(nights, zone, utc(2026, 9, 5, 12))), iso(utc(2026, 9, 6, 4))); // 01:00 -03
    assert.equal(localDay(utc(2026, 9, 6, 4), zone), '2026-09-06');
  });

  it('skips a day whose whole window falls in the gap', () => {
    const inGap = win({ timezone: zone, days: EVERY_DAY, start: 2 * 60, end: 2 * 60 + 45 });
    assert.equal(iso(nextOpening(inGap, zone, utc(2026, 3, 28, 23))), iso(utc(2026, 3, 30, 0)));
  });

  it('opens at the first of two 02:30s when the clocks go back', () => {
    const early = win({ timezone: zone, days: EVERY_DAY, start: 2 * 60 + 30, end: 4 * 60 });
    assert.equal(iso(nextOpening(early, zone, utc(2026, 10, 24, 23))), iso(utc(2026, 10, 25, 0, 30))); // CEST
  });

  it('counts midnight as minute 0', () => {
    const midnight = win({ days: EVERY_DAY, start: 0, end: 60 });
    assert.equal(isOpen(midnight, 'UTC', utc(2026, 3, 10, 0, 30)), true);
    assert.equal(iso(nextOpening(midnight, 'UTC', utc(2026, 3, 10, 1))), iso(utc(2026, 3, 11, 0)));
    const late = win({ days: WORKDAYS, start: 22 * 60, end: 24 * 60 });
    assert.equal(isOpen(late, 'UTC', utc(2026, 3, 10, 23, 59, 59)), true);
    assert.equal(iso(windowEnd(late, 'UTC', utc(2026, 3, 10, 23))), iso(utc(2026, 3, 11, 0)));
  });
});

describe('delays', () => {
  const business = (days: number) => ({ kind: 'business' as const, days });

  it('adds fixed delays as they are', () => {
    assert.equal(addDelay({ kind: 'fixed', ms: 3 * H }, utc(2026, 3, 28, 23), 'Europe/Paris'), utc(2026, 3, 29, 2));
    assert.equal(addDelay({ kind: 'fixed', ms: 0 }, 5, 'UTC'), 5);
  });

  it('counts business days across a weekend at the same wall time', () => {
    const cases: Array<[number, number, number]> = [
      [utc(2026, 3, 9, 10), 1, utc(2026, 3, 10, 10)], // Mon → Tue
      [utc(2026, 3, 11, 10), 3, utc(2026, 3, 16, 10)], // Wed → Mon
      [utc(2026, 3, 13, 10), 1, utc(2026, 3, 16, 10)], // Fri → Mon
      [utc(2026, 3, 13, 10), 5, utc(2026, 3, 20, 10)], // Fri → Fri
      [utc(2026, 3, 14, 10), 1, utc(2026, 3, 16, 10)], // Sat → Mon
      [utc(2026, 3, 15, 10), 1, utc(2026, 3, 16, 10)], // Sun → Mon
      [utc(2026, 3, 14, 10), 2, utc(2026, 3, 17, 10)], // Sat → Tue
      [utc(2026, 3, 14, 10, 0, 1, 250), 0, utc(2026, 3, 14, 10, 0, 1, 250)], // 0: unchanged
    ];
    for (const [from, days, want] of cases) assert.equal(iso(addDelay(business(days), from, 'UTC')), iso(want), `${iso(from)} + ${days}`);
  });

  it('keeps the local wall time across DST and seconds', () => {
    // Fri 10:00:30.5 CET + 1 → Mon 10:00:30.5 CEST.
    assert.equal(iso(addDelay(business(1), utc(2026, 3, 27, 9, 0, 30, 500), 'Europe/Paris')), iso(utc(2026, 3, 30, 8, 0, 30, 500)));
  });

  it('counts days in the given zone', () => {
    // Fri 23:30 UTC is Sat 08:30 in Tokyo: one business day later is Mon 08:30 Tokyo.
    assert.equal(iso(addDelay(business(1), utc(2026, 3, 13, 23, 30), 'Asia/Tokyo')), iso(utc(2026, 3, 15, 23, 30)));
    assert.equal(iso(addDelay(business(1), utc(2026, 3, 13, 23, 30), 'UTC')), iso(utc(2026, 3, 16, 23, 30)));
  });
});

describe('placing a due step in the window', () => {
  const schedule = win();
  const saturdayNoon = utc(2026, 3, 14, 12);
  const mondayOpen = utc(2026, 3, 16, 9);
  const length = 8 * H;

  it('sends at once when the window is open, and always for "always"', () => {
    const open = utc(2026, 3, 10, 16, 59);
    assert.equal(placeInWindow(schedule, 'UTC', open, 'k'), open);
    assert.equal(placeInWindow('always', 'UTC', saturdayNoon, 'k'), saturdayNoon);
  });

  it('spreads 1000 keys over the first 90 % of the next window, deterministically', () => {
    const offsets = Array.from({ length: 1000 }, (_, i) => placeInWindow(schedule, 'UTC', saturdayNoon, `c/${i}/2`) - mondayOpen);
    for (const o of offsets) assert.ok(o >= 0 && o < 0.9 * length, `offset ${o}`);
    assert.ok(Math.min(...offsets) < 0.02 * length);
    assert.ok(Math.max(...offsets) > 0.88 * length);
    const firstHour = offsets.filter((o) => o < H).length;
    assert.ok(firstHour > 90 && firstHour < 190, `${firstHour} of 1000 in the first hour`);
    assert.equal(placeInWindow(schedule, 'UTC', saturdayNoon, 'c/1/2'), placeInWindow(schedule, 'UTC', saturdayNoon, 'c/1/2'));
    assert.ok(offsets.every((o) => isOpen(schedule, 'UTC', mondayOpen + o)));
  });

  it('uses the real length of a window on a DST day', () => {
    const early = win({ timezone: 'Europe/Paris', days: EVERY_DAY, start: 60, end: 4 * 60 }); // 3 h, 2 h on 29 March
    const at = placeInWindow(early, 'Europe/Paris', utc(2026, 3, 28, 22), 'spread');
    assert.ok(at >= utc(2026, 3, 29, 0) && at < utc(2026, 3, 29, 0) + 0.9 * 2 * H, iso(at));
  });
});

describe('"always", zones and start spacing', () => {
  it('is always open in UTC', () => {
    assert.equal(isOpen('always', 'UTC', utc(2026, 3, 14, 3)), true);
    assert.equal(nextOpening('always', 'UTC', 123), 123);
    assert.equal(contactZone('always', { timezone: 'Asia/Tokyo' }), 'UTC');
  });

  it('falls back for a missing or invalid contact zone and accepts other spellings of the key', () => {
    const schedule = win({ timezone: 'contact', fallbackTimezone: 'Europe/Paris' });
    assert.equal(contactZone(schedule, {}), 'Europe/Paris');
    assert.equal(contactZone(schedule, { timezone: 'Mars/Olympus' }), 'Europe/Paris');
    assert.equal(contactZone(schedule, { timezone: '' }), 'Europe/Paris');
    assert.equal(contactZone(schedule, { Timezone: 'Asia/Tokyo' }), 'Asia/Tokyo');
    assert.equal(contactZone(schedule, { time_zone: ' America/New_York ' }), 'America/New_York');
    assert.equal(contactZone(schedule, { timezone: 'nowhere', TimeZone: 'Asia/Tokyo' }), 'Asia/Tokyo');
  });

  it('uses a fixed window zone whatever the contact says', () => {
    assert.equal(contactZone(win({ timezone: 'America/Chicago' }), { timezone: 'Asia/Tokyo' }), 'America/Chicago');
  });

  it('spaces starts over the window', () => {
    assert.equal(startIntervalMs(win(), 96), 300_000);
    assert.equal(startIntervalMs('always', 24), H);
    assert.equal(startIntervalMs(win(), undefined), null);
    assert.equal(startIntervalMs('always', undefined), null);
  });

  it('refuses a window that never opens', () => {
    assert.throws(() => nextOpening(win({ days: [] }), 'UTC', utc(2026, 3, 14)), RangeError);
  });
});
