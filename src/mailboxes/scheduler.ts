// One timer for every mailbox: due times per key (identity:task), fired in time order. It sleeps at
// most a second, so hundreds of mailboxes cost one timer, and a test clock moved forward is noticed.
import type { Clock } from '../util/clock.js';

const MAX_SLEEP_MS = 1000;

export class Scheduler {
  private readonly due = new Map<string, { at: number; run: () => void }>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Run `run` at `at` (clock ms), replacing what `key` had. */
  set(key: string, at: number, run: () => void): void {
    if (this.stopped) return;
    this.due.set(key, { at, run });
    this.arm();
  }

  clear(key: string): void {
    this.due.delete(key);
  }

  /** Clears every key starting with `prefix` (a mailbox's tasks). */
  clearPrefix(prefix: string): void {
    for (const key of [...this.due.keys()]) if (key.startsWith(prefix)) this.due.delete(key);
  }

  stop(): void {
    this.stopped = true;
    this.due.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.stopped || this.due.size === 0) return;
    let next = Infinity;
    for (const d of this.due.values()) next = Math.min(next, d.at);
    const wait = Math.max(0, Math.min(MAX_SLEEP_MS, next - this.clock()));
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const now = this.clock();
    const ready = [...this.due].filter(([, d]) => d.at <= now).sort((a, b) => a[1].at - b[1].at);
    for (const [key] of ready) this.due.delete(key);
    for (const [, d] of ready) d.run();
    this.arm();
  }
}

/** At most `limit` holders at a time (logins); the rest wait in order. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
