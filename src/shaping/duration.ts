// Durations as the shaping rules write them ("30m", "1h", "4h", "2d", "1h30m") and back. Pure; parsing
// returns null for anything else, and formatting picks the largest units that divide exactly.

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;
const DURATION = /^(?:(\d{1,4})d)?(?:(\d{1,4})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s)?$/;

/**
 * Milliseconds in a duration of days, hours, minutes and seconds, in that order; null when malformed
 * or zero.
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (m === null) return null;
  const [, d, h, min, s] = m;
  const ms = Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(min ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
  return ms > 0 ? ms : null;
}

/**
 * The shortest text for a duration, e.g. 5_400_000 → "1h30m"; sub-second remainders are dropped.
 * @example formatDuration(86_400_000) // "1d"
 */
export function formatDuration(ms: number): string {
  let rest = Math.floor(ms / 1000) * 1000;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out === '' ? '0s' : out;
}
