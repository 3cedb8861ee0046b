// Calendar days in an IANA time zone: the day key of an instant and where that day starts and ends.
// Daily caps and warm-up days count in the identity's zone; an unknown zone throws a RangeError.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of `ms` in `zone`. */
export function wall(ms: number, zone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { y: Number(parts['year']), m: Number(parts['month']), d: Number(parts['day']), h: Number(parts['hour']), min: Number(parts['minute']), s: Number(parts['second']) };
}

/** The last day key computed per zone, with the whole second it was computed for. */
const lastKeys = new Map<string, { second: number; key: string }>();

/** "YYYY-MM-DD" of `ms` in `zone`. */
export function dayKey(ms: number, zone: string): string {
  // The formatter resolves whole seconds (as Date truncates ms), so one second has one key: the send
  // gate asks twice per job, thousands of times a second, and formatToParts is its largest cost.
  const second = Math.floor(Math.trunc(ms) / 1000);
  const last = lastKeys.get(zone);
  if (last && last.second === second) return last.key;
  const { y, m, d } = wall(ms, zone);
  const key = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  lastKeys.set(zone, { second, key });
  return key;
}

/** The zone's offset from UTC at `ms`, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, zone: string): number {
  const w = wall(ms, zone);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The first instant of the day `key` in `zone`. */
export function dayStartOf(key: string, zone: string): number {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d);
  // Two rounds settle the offset across a DST change at or near midnight.
  let guess = utcMidnight - offsetAt(utcMidnight, zone);
  guess = utcMidnight - offsetAt(guess, zone);
  return guess;
}

/** The first instant of the day after the one `ms` is in. */
export function nextDayStart(ms: number, zone: string): number {
  const start = dayStartOf(dayKey(ms, zone), zone);
  return dayStartOf(dayKey(start + 36 * 3_600_000, zone), zone);
}

/** Whole days from day `from` to day `to` (keys), e.g. 2026-12-01 → 2026-12-04 is 3. */
export function daysBetween(from: string, to: string): number {
  const t = (k: string) => {
    const [y, m, d] = k.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((t(to) - t(from)) / 86_400_000);
}
