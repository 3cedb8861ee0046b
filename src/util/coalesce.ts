// Runs an async pass on demand, never two at once: a request while a pass runs schedules exactly one
// more pass after it (the work that arrived meanwhile), however many requests came. For services that
// drain a table (DSNs, reports) and are woken by every commit.

export class CoalescedRun {
  private running: Promise<void> | null = null;
  private again = false;

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
}
