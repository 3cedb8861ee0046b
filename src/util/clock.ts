// The one source of "now" for pacing, caps, warm-up and retries. Production reads the system clock;
// tests set PETREL_CLOCK_FILE to a file holding an offset in ms, so they can move days in seconds.
import { readFileSync } from 'node:fs';

export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Re-read the offset file at most this often (real time), so a test's change shows within 50 ms. */
const REREAD_MS = 50;

/**
 * A clock `offset` ms ahead of the system clock, the offset read from `file` (an integer; a missing
 * file means 0). Time keeps flowing; a test moves it forward by writing a larger offset. A file read
 * while it is being rewritten (empty or cut short) keeps the last offset: time never jumps back.
 */
export function offsetFileClock(file: string): Clock {
  let offset = 0;
  let readAt = -Infinity;
  return () => {
    const real = Date.now();
    if (real - readAt >= REREAD_MS) {
      readAt = real;
      offset = readOffset(file) ?? offset;
    }
    return real + offset;
  };
}

/** The offset in the file; 0 without a file; null when its text is no integer (a write in progress). */
function readOffset(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : null;
  }
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

/** The clock this process runs on: PETREL_CLOCK_FILE (tests), else the system clock. */
export function processClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const file = env['PETREL_CLOCK_FILE'];
  return file ? offsetFileClock(file) : systemClock;
}
