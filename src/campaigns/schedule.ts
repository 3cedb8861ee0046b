// When campaign steps may be sent: send windows in local wall time (DST-safe), delays, and where in a
// window a step goes. Pure: time is a parameter (epoch ms); an unknown zone throws a RangeError.
//
// Business days: N business days after `from` is the Nth Monday–Friday after from's local day (in
// `zone`), at the same local wall time. From a Saturday or Sunday the count starts on the next Monday:
// 1 business day from Sat 10:00 (or Fri 10:00) is Mon 10:00; 0 business days is `from` itself.
import { dayKey, isTimeZone, offsetAt, wall } from '../pacing/days.js';
import { WEEKDAYS, type Delay, type Schedule, type Weekday, type Window } from './definition.js';
import { hashFraction } from './choose.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Mail due outside the window starts within the first 90 % of the day's window, never at its end. */
const SPREAD = 0.9;

function keyParts(key: string): [number, number, number] {
  return key.split('-').map(Number) as [number, number, number];
}

/** The calendar day `n` days after day `key` (no zone involved: days are labels here). */
function addDays(key: string, n: number): string {
  const [y, m, d] = keyParts(key);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function weekdayOf(key: string): Weekday {
  const [y, m, d] = keyParts(key);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
}

const isBusinessDay = (key: string): boolean => !['sat', 'sun'].includes(weekdayOf(key));

/** The local day of `ms` in `zone` and its wall time there, as ms since local midnight (one Intl call). */
function localClock(ms: number, zone: string): { key: string; msOfDay: number } {
  const w = wall(ms, zone);
  const key = `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
  return { key, msOfDay: ((w.h * 60 + w.min) * 60 + w.s) * 1000 + (((ms % 1000) + 1000) % 1000) };
}

/** The first instant in (lo, hi] whose offset is hi's, where lo's differs: a zone's transition. */
function transitionBetween(lo: number, hi: number, zone: string): number {
  const offset = offsetAt(hi, zone);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, zone) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant of local wall time `msOfDay` on day `key` in `zone`. A wall time that happens twice (DST
 * ends) gives the earlier; one that does not exist (DST starts) gives the first instant after the gap.
 */
function atWallTime(key: string, msOfDay: number, zone: string): number {
  const [y, m, d] = keyParts(key);
  const target = Date.UTC(y, m - 1, d) + msOfDay; // the wall time read as if it were UTC
  // Offsets a day either side bracket the one that applies (assumes at most one change in two days).
  const before = offsetAt(target - DAY, zone), after = offsetAt(target + DAY, zone);
  if (before === after) return target - before;
  const fits = [target - before, target - after].filter((t) => t + offsetAt(t, zone) === target);
  if (fits.length > 0) return Math.min(...fits);
  // In a gap: target - after is still before the change, target - before already after it.
  return target - after < target - before ? transitionBetween(target - after, target - before, zone) : target - after;
}

/** The contact's own `timezone` field (also `Timezone`, `time_zone`, `Time-Zone`) when it is a zone. */
function contactTimezoneField(fields: Readonly<Record<string, string>>): string | undefined {
  const candidates = Object.hasOwn(fields, 'timezone') ? [fields['timezone']] : [];
  for (const [key, value] of Object.entries(fields)) if (key.toLowerCase().replace(/[\s_-]/g, '') === 'timezone') candidates.push(value);
  return candidates.map((v) => (typeof v === 'string' ? v.trim() : '')).find((v) => v !== '' && isTimeZone(v));
}

/**
 * The zone a contact's window is read in: the contact's timezone field for `timezone: contact` (the
 * window's fallbackTimezone when missing or not a zone), else the window's zone; 'UTC' for 'always'.
 * @example contactZone({ ...window, timezone: 'contact' }, { timezone: 'Asia/Tokyo' }) // 'Asia/Tokyo'
 */
export function contactZone(schedule: Schedule, fields: Readonly<Record<string, string>>): string {
  if (schedule === 'always') return 'UTC';
  if (schedule.timezone !== 'contact') return schedule.timezone;
  return contactTimezoneField(fields) ?? schedule.fallbackTimezone;
}

/**
 * Whether mail may go at `ms`: its local weekday is one of the window's days and its local time is in
 * [start, end). Always true for 'always'.
 * @example isOpen(monToFri9to17, 'Asia/Tokyo', Date.UTC(2026, 2, 9, 18)) // false: 03:00 Tuesday in Tokyo
 */
export function isOpen(schedule: Schedule, zone: string, ms: number): boolean {
  if (schedule === 'always') return true;
  const { key, msOfDay } = localClock(ms, zone);
  if (!schedule.days.includes(weekdayOf(key))) return false;
  const minute = msOfDay / MINUTE;
  return minute >= schedule.start && minute < schedule.end;
}

/**
 * `ms` when the window is open then, else the first instant after it when the window opens (at most
 * 8 days ahead; a RangeError if it never does). Start times are local wall times on both sides of DST.
 * @example nextOpening(monToFri9to17, 'Asia/Tokyo', Date.UTC(2026, 2, 9, 18)) // Date.UTC(2026, 2, 10, 0)
 */
export function nextOpening(schedule: Schedule, zone: string, ms: number): number {
  if (schedule === 'always' || isOpen(schedule, zone, ms)) return ms;
  return laterWindow(schedule, zone, ms).open;
}

/** The first window that opens at or after `ms` (closed then), within 8 days. */
function laterWindow(schedule: Window, zone: string, ms: number): { open: number; close: number } {
  let key = localDay(ms, zone);
  for (let i = 0; i <= 8; i++, key = addDays(key, 1)) {
    if (!schedule.days.includes(weekdayOf(key))) continue;
    const open = atWallTime(key, schedule.start * MINUTE, zone);
    if (open < ms) continue;
    const close = atWallTime(key, schedule.end * MINUTE, zone);
    if (open < close) return { open, close }; // a window wholly inside a DST gap does not open that day
  }
  throw new RangeError(`the send window does not open within 8 days of ${new Date(ms).toISOString()}`);
}

/**
 * When the window of `ms`'s local day closes (for an open instant: the end of the current window).
 * @example windowEnd(monToFri9to17, 'UTC', Date.UTC(2026, 2, 9, 10)) // Date.UTC(2026, 2, 9, 17)
 */
export function windowEnd(schedule: Window, zone: string, ms: number): number {
  return atWallTime(dayKey(ms, zone), schedule.end * MINUTE, zone);
}

/**
 * When a delay after `from` ends: fixed delays add their length; business days count Mon–Fri in
 * `zone` and keep the local wall time (see the rule at the top of this file).
 * @example addDelay({ kind: 'business', days: 1 }, friday10am, 'Europe/Paris') // Monday 10:00 in Paris
 */
export function addDelay(delay: Delay, from: number, zone: string): number {
  if (delay.kind === 'fixed') return from + delay.ms;
  if (delay.days <= 0) return from;
  const local = localClock(from, zone);
  let key = local.key;
  for (let counted = 0; counted < delay.days; ) {
    key = addDays(key, 1);
    if (isBusinessDay(key)) counted++;
  }
  return atWallTime(key, local.msOfDay, zone);
}

/**
 * The instant a step due at `due` is sent: `due` when the window is open then, else the next opening
 * plus hashFraction(spreadKey) × 90 % of that day's window, so overnight mail does not burst at 09:00.
 * @example placeInWindow(monToFri9to17, 'UTC', saturdayNoon, 'c42/s2') // Monday between 09:00 and 16:12
 */
export function placeInWindow(schedule: Schedule, zone: string, due: number, spreadKey: string): number {
  if (schedule === 'always' || isOpen(schedule, zone, due)) return due;
  const { open, close } = laterWindow(schedule, zone, due);
  return open + Math.floor(hashFraction(spreadKey) * SPREAD * (close - open));
}

/**
 * The spacing of new contacts (ms, not rounded) so `dailyLimit` starts spread over a day's window
 * (24 h for 'always'); null without a daily limit.
 * @example startIntervalMs(nineToFive, 96) // 300000: one start every 5 minutes
 */
export function startIntervalMs(schedule: Schedule, dailyLimit: number | undefined): number | null {
  if (dailyLimit === undefined || !(dailyLimit > 0)) return null;
  const windowMs = schedule === 'always' ? DAY : (schedule.end - schedule.start) * MINUTE;
  return windowMs / dailyLimit;
}

/**
 * The local calendar day of `ms` in `zone`, "YYYY-MM-DD".
 * @example localDay(Date.UTC(2026, 2, 9, 18), 'Asia/Tokyo') // '2026-03-10'
 */
export function localDay(ms: number, zone: string): string {
  return dayKey(ms, zone);
}
