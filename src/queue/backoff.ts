// When a deferred recipient is tried next: exponential backoff with jitter (Postfix's defaults), a
// "retry after N" hint in the reply honoured, and never past the message's lifetime. Pure functions.

export interface RetryPolicy {
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  jitter: number; // fraction of the wait added at random
  maxLifetimeSeconds: number;
  maxHintSeconds: number;
}

/**
 * The wait before attempt number `attempts + 1`, in ms: min × 2^(attempts − 1), capped at max, plus
 * up to `jitter` of it at random so a destination's backlog does not return all at once.
 * @example backoffMs(policy, 1) // 300 s to 360 s with the defaults
 */
export function backoffMs(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const base = Math.min(policy.maxBackoffSeconds, policy.minBackoffSeconds * 2 ** exponent) * 1000;
  return Math.round(base * (1 + policy.jitter * random()));
}

const HINT = /\b(?:retry|try(?: again)?|again)\b[^.;]{0,20}?\b(?:in|after)\s+(\d{1,7})\s*(s|secs?|seconds?|m|mins?|minutes?|h|hours?)?\b/i;

/** A "try again in 10 minutes"-style hint in a reply text, in ms, or null. */
export function retryHintMs(text: string): number | null {
  const m = HINT.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's')[0]!.toLowerCase();
  const seconds = unit === 'h' ? n * 3600 : unit === 'm' ? n * 60 : n;
  return seconds * 1000;
}

export type RetryDecision = { kind: 'defer'; at: number } | { kind: 'expire' };

/**
 * After a temporary failure at `now`: expire when the lifetime is over, else the next attempt time —
 * the hint when there is one (clamped to maxHintSeconds), else the backoff — but no later than the
 * end of the lifetime, so the last attempt happens on time.
 */
export function nextRetry(policy: RetryPolicy, o: { now: number; receivedAt: number; attempts: number; text: string }): RetryDecision {
  const expiresAt = o.receivedAt + policy.maxLifetimeSeconds * 1000;
  if (o.now >= expiresAt) return { kind: 'expire' };
  const hint = retryHintMs(o.text);
  const wait = hint !== null ? Math.min(hint, policy.maxHintSeconds * 1000) : backoffMs(policy, o.attempts);
  return { kind: 'defer', at: Math.min(o.now + Math.max(wait, 1000), expiresAt) };
}
