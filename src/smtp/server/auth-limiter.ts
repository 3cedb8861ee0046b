// Counts AUTH failures per client IP over a sliding window, so a client cannot reset its budget by
// reconnecting. Memory is bounded: old entries are pruned and the table has a size cap.

const MAX_TRACKED = 100_000;

export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly maxFailures: number, private readonly windowMs: number, private readonly now = Date.now) {}

  blocked(ip: string): boolean {
    return this.recent(ip).length >= this.maxFailures;
  }

  record(ip: string): void {
    if (this.failures.size >= MAX_TRACKED) this.prune();
    const list = this.recent(ip);
    list.push(this.now());
    this.failures.set(ip, list);
  }

  private recent(ip: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(ip) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(ip);
    return list;
  }

  private prune(): void {
    for (const ip of [...this.failures.keys()]) this.recent(ip);
    if (this.failures.size >= MAX_TRACKED) this.failures.clear();
  }
}
