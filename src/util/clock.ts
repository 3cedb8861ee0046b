// The one source of "now" for pacing, caps, warm-up and retries. Production reads the system clock;
// tests set PETREL_CLOCK_FILE to a file holding an offset in ms, so they can move days in seconds.
import { readFileSync } from 'node:fs';

export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Re-read the offset file at most this often (real time), so a test's change shows within 50 ms. */
const REREAD_MS = 50;

/**
 * A clock `offset` ms ahead of the system clock, the offset read from `file` (an integer; a missing
 * or unreadable file means 0). Time keeps flowing; a test moves it forward by writing a larger offset.
 */
export function offsetFileClock(file: string): Clock {
  let offset = 0;
  let readAt = -Infinity;
  return () => {
    const real = Date.now();
    if (real - readAt >= REREAD_MS) {
      readAt = real;
      offset = readOffset(file);
    }
    return real + offset;
  };
}

function readOffset(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

/** The clock this process runs on: PETREL_CLOCK_FILE (tests), else the system clock. */
export function processClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const file = env['PETREL_CLOCK_FILE'];
  return file ? offsetFileClock(file) : systemClock;
}
