// The resolver's answer cache: entries expire by an injectable clock and the least recently used
// entry goes first when the cache is full. It cannot fail; a TTL of zero simply stores nothing.

/** A TTL-bounded LRU map. `now()` returns milliseconds (Date.now by default). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live value for `key`, marked as most recently used; undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() >= entry.expires) return undefined;
    this.entries.set(key, entry); // Map order is insertion order: re-inserting makes it the newest
    return entry.value;
  }

  /** Stores `value` for `ttlSeconds`, evicting the least recently used entries beyond capacity. */
  set(key: string, value: V, ttlSeconds: number): void {
    this.entries.delete(key);
    if (ttlSeconds <= 0) return;
    this.entries.set(key, { value, expires: this.now() + ttlSeconds * 1000 });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
