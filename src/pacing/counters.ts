// Send counters per bucket (identity, sending domain, source IP, provider rate), in memory and loaded
// lazily from the attempts table, so caps hold across restarts. A reservation counts at once and is
// given back when the send did not happen; a day change resets the daily count.
import { dayKey, nextDayStart } from './days.js';

const HOUR = 3_600_000;

export interface BucketCounter {
  day: string;
  sentToday: number;
  /** Send times of the last hour, ascending, one per recipient. */
  recent: number[];
  nextSendAt: number;
  dayEndsAt: number;
}

/** Reads what the store knows of a bucket: sends since `dayStart` and send times since `since`. */
export type CounterLoader = (key: string, dayStart: number, since: number, now: number) => { sentToday: number; recent: number[] };

export class Counters {
  private readonly buckets = new Map<string, BucketCounter>();

  constructor(private readonly load: CounterLoader) {}

  /** The bucket `key` as of `now` in `zone`, loaded on first use and after a day change. */
  get(key: string, zone: string, now: number): BucketCounter {
    const day = dayKey(now, zone);
    let b = this.buckets.get(key);
    if (!b || b.day !== day) {
      const dayEndsAt = nextDayStart(now, zone);
      const dayStart = nextDayStart(dayEndsAt - 36 * HOUR, zone);
      const loaded = b ? { sentToday: 0, recent: b.recent } : this.load(key, dayStart, now - HOUR, now);
      b = { day, sentToday: loaded.sentToday, recent: loaded.recent, nextSendAt: b?.nextSendAt ?? 0, dayEndsAt };
      this.buckets.set(key, b);
    }
    prune(b.recent, now - HOUR);
    return b;
  }

  /** Count `n` sends at `now`; the next send of this bucket waits `gapMs` (0: none). */
  reserve(b: BucketCounter, n: number, now: number, gapMs: number): void {
    b.sentToday += n;
    for (let i = 0; i < n; i++) b.recent.push(now);
    if (gapMs > 0) b.nextSendAt = now + gapMs;
  }

  /** Give back `n` sends counted at `at` (they were not attempted after all). */
  release(b: BucketCounter, n: number, at: number): void {
    b.sentToday = Math.max(0, b.sentToday - n);
    for (let i = 0; i < n; i++) {
      const j = b.recent.lastIndexOf(at);
      if (j >= 0) b.recent.splice(j, 1);
    }
  }

  /** Forget a bucket (its identity changed): the next get() reloads it from the store. */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}

function prune(times: number[], since: number): void {
  let n = 0;
  while (n < times.length && times[n]! < since) n++;
  if (n > 0) times.splice(0, n);
}
