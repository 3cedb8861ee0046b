// Deterministic randomness: a seeded generator, weighted choice and a stable fraction per key, so a
// preview renders exactly what is later sent (also after a crash). Bad weights throw a RangeError.
import { createHash } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A generator of numbers in [0, 1) from a string seed (SHA-256 of the seed into sfc32); the same seed
 * gives the same sequence on every run and machine.
 * @example const next = seeded('contact-42/step-1'); next() // 0.73... (always the same)
 */
export function seeded(seed: string): () => number {
  const h = digest(seed);
  let a = h.readUInt32LE(0), b = h.readUInt32LE(4), c = h.readUInt32LE(8), d = h.readUInt32LE(12);
  const next = (): number => {
    // sfc32: small, fast and well distributed; >>> 0 keeps every word an unsigned 32-bit integer.
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4_294_967_296;
  };
  // Discard a few outputs, as usual when seeding sfc32, so the first number already mixes all 128 bits.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * One of `items`, chosen with probability proportional to its weight, the same for the same seed.
 * Throws a RangeError for no items or a weight that is not a finite number ≥ 0 (or all zero).
 * @example pickWeighted([{ id: 'A', weight: 3 }, { id: 'B', weight: 1 }], 'c42/s1') // A three times in four
 */
export function pickWeighted<T extends { weight: number }>(items: readonly T[], seed: string): T {
  let total = 0;
  for (const item of items) {
    if (!Number.isFinite(item.weight) || item.weight < 0) throw new RangeError(`weight ${item.weight} is not a number ≥ 0`);
    total += item.weight;
  }
  if (total <= 0) throw new RangeError('pickWeighted needs at least one item with a weight above 0');
  let r = seeded(seed)() * total;
  for (const item of items) {
    if (r < item.weight) return item;
    r -= item.weight;
  }
  // Rounding can leave r a hair above the last weight: the last weighted item takes it.
  return [...items].reverse().find((i) => i.weight > 0)!;
}

/**
 * A stable value in [0, 1) for `key` (48 bits of its SHA-256), used to spread sends over a window.
 * @example hashFraction('campaign/contact-42') // 0.28... on every run
 */
export function hashFraction(key: string): number {
  return digest(key).readUIntBE(0, 6) / 2 ** 48;
}
