// Warm-up ramps: START sends on day 1, growing by STEP (or STEP%) a day up to TARGET. Days whose
// errors or reputation signals were recorded (warmup_holds) do not advance the ramp. Pure.
import { daysBetween } from './days.js';

export interface Ramp {
  start: number;
  /** Linear growth per day; or, with percent, growth in percent of the day before. */
  step: number;
  percent: boolean;
  target: number;
}

/** Parse "5,2,40" (linear) or "5,20%,40" (geometric); null for anything else. */
export function parseRamp(text: string): Ramp | null {
  const m = /^\s*(\d+)\s*,\s*(\d+(?:\.\d+)?)(%?)\s*,\s*(\d+)\s*$/.exec(text);
  if (!m) return null;
  const ramp = { start: Number(m[1]), step: Number(m[2]), percent: m[3] === '%', target: Number(m[4]) };
  if (ramp.start < 1 || ramp.target < ramp.start || ramp.step <= 0) return null;
  return ramp;
}

/** The ramp as the CLI takes it. */
export function formatRamp(r: Ramp): string {
  return `${r.start},${r.step}${r.percent ? '%' : ''},${r.target}`;
}

/** Sends allowed on warm-up day `day` (1-based). */
export function rampCap(r: Ramp, day: number): number {
  const n = Math.max(1, day) - 1;
  const value = r.percent ? Math.floor(r.start * (1 + r.step / 100) ** n) : r.start + r.step * n;
  return Math.min(r.target, value);
}

/**
 * The warm-up day of `today`: 1 on the start day, one more for each later day that passed without a
 * hold. `held` are the held day keys (any order; days on or after today do not count yet).
 */
export function warmupDay(startDay: string, today: string, held: readonly string[]): number {
  const elapsed = Math.max(0, daysBetween(startDay, today));
  const holds = held.filter((d) => d >= startDay && d < today).length;
  return 1 + Math.max(0, elapsed - holds);
}

/** Still ramping (the ramp has not reached its target). */
export function isWarming(r: Ramp, day: number): boolean {
  return rampCap(r, day) < r.target;
}
