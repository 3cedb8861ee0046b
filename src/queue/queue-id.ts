// Queue ids: 48-bit millisecond time + 80 random bits in Crockford base32 (26 characters), so they
// sort by creation time, are URL-safe and unique. Never fails; a clock going backwards is absorbed.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10; // 50 bits, the top two always zero for 48-bit times
const RANDOM_BYTES = 10; // 80 bits = 16 characters of 5 bits
const POOL_DRAWS = 64; // random parts fetched from the CSPRNG at once: one call per 64 ids, not per id
const ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Whether `text` has the shape of a queue id (used to tell spool files from strays). */
export function isQueueId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** The creation time in ms since epoch encoded in a queue id. */
export function queueIdTime(id: string): number {
  let time = 0;
  for (const char of id.slice(0, TIME_CHARS)) time = time * 32 + ALPHABET.indexOf(char);
  return time;
}

/**
 * Makes ids that are strictly increasing within this process: in the same millisecond (or if the
 * clock steps back) the random part of the previous id is incremented instead of redrawn.
 * @example const ids = new QueueIdGenerator(); ids.next() // "01J9Z3M4Q8X2K7P5R6T9V0W1YB"
 */
export class QueueIdGenerator {
  private lastTime = -1;
  private readonly random = Buffer.alloc(RANDOM_BYTES);
  private readonly pool = Buffer.alloc(RANDOM_BYTES * POOL_DRAWS);
  private poolOffset = this.pool.length; // empty: filled on first use

  next(now: number = Date.now()): string {
    if (now > this.lastTime) {
      this.lastTime = now;
      this.drawRandom();
    } else {
      incrementBytes(this.random);
    }
    return encodeTime(this.lastTime) + encodeBytes(this.random);
  }

  private drawRandom(): void {
    if (this.poolOffset === this.pool.length) {
      randomFillSync(this.pool);
      this.poolOffset = 0;
    }
    this.pool.copy(this.random, 0, this.poolOffset, this.poolOffset + RANDOM_BYTES);
    this.poolOffset += RANDOM_BYTES;
  }
}

function encodeTime(time: number): string {
  let text = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    text = ALPHABET[time % 32]! + text;
    time = Math.floor(time / 32);
  }
  return text;
}

function encodeBytes(bytes: Buffer): string {
  let text = '';
  let bits = 0;
  let pending = 0;
  for (const byte of bytes) {
    pending = (pending << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += ALPHABET[(pending >> bits) & 31]!;
    }
    pending &= (1 << bits) - 1; // keep only the unconsumed bits so the number stays small
  }
  return text;
}

/** Big-endian +1 with carry; wrapping after 2^80 ids in one millisecond cannot happen in practice. */
function incrementBytes(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) return;
  }
}
