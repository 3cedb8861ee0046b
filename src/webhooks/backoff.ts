// The retry schedule of a failing webhook batch: exponential from a base, capped, with jitter so that
// endpoints failing together do not retry together. Pure; never throws.

export interface BackoffPolicy {
  /** Delay after the first failure (ms). */
  baseMs: number;
  /** No delay is longer than this (ms). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 10_000, capMs: 3_600_000 };

/** The share of a delay that jitter may take off (the delay is never longer than the nominal one). */
const JITTER = 0.25;

/**
 * The wait after the `failures`-th consecutive failure (1-based): base, 2×base, 4×base, … up to cap,
 * each shortened by up to 25 % (`random` in [0, 1)). @example retryDelayMs(3, DEFAULT_BACKOFF, () => 0) // 40000
 */
export function retryDelayMs(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const nominal = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(nominal * (1 - JITTER * random()));
}
