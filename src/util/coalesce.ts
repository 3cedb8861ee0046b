// Runs an async pass on demand, never two at once: a request while a pass runs schedules exactly one
// more pass after it (the work that arrived meanwhile), however many requests came. For services that
// drain a table (DSNs, reports, campaigns): woken by every commit and, with every(), on a timer.

export class CoalescedRun {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly pass: () => Promise<void>) {}

  /** Start a pass, or mark one more after the running one; resolves when the current pass ends. */
  wake(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.wake();
      }
    });
    return this.running;
  }

  /** The pass in progress, if any (for shutdown). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Also run a pass every `intervalMs` (a timer that keeps no process alive), starting now. */
  every(intervalMs: number): void {
    const poll = () => {
      void this.wake();
      this.timer = setTimeout(poll, intervalMs);
      this.timer.unref();
    };
    poll();
  }

  /** Stop the timer of every(); resolves when the pass in progress ends. */
  stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.idle();
  }
}
