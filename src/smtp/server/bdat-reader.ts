// Reads exactly the announced number of octets of one BDAT chunk (RFC 3030), binary-safe.
// It cannot fail: it only counts. Limits are the session's business.

export interface BdatFeed {
  chunk: Buffer; // the part of the input that belongs to this BDAT chunk
  done: boolean; // the chunk is complete
  consumed: number; // bytes of the input used; the rest belongs to the next command
}

export class BdatReader {
  private remaining: number;

  constructor(size: number) {
    this.remaining = size;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  feed(input: Buffer): BdatFeed {
    const take = Math.min(this.remaining, input.length);
    this.remaining -= take;
    return { chunk: input.subarray(0, take), done: this.remaining === 0, consumed: take };
  }
}
