// The retry and bounce rules, recipient by recipient, after an attempt:
// - 2xx: delivered. With NOTIFY=SUCCESS we owe a DSN when we delivered locally, or "relayed" when
//   the next hop did not offer DSN (a DSN-capable hop reports success itself, RFC 3461 §5.2.2).
// - 4xx (ours or the peer's): deferred with backoff or the reply's retry hint; when the lifetime is
//   over, expired (a failure DSN, status 4.4.7). A delay DSN once the wait passes delayWarning.
// - 5xx: bounced, with a failure DSN. No DSN ever for a null sender or NOTIFY=NEVER.
import type { Classification } from '../bounce/classes.js';
import { dsnWanted } from '../bounce/dsn-policy.js';
import type { RecipientResult } from '../delivery/job.js';
import { nextRetry, type RetryPolicy } from './backoff.js';
import type { AttemptRow, RecipientUpdate } from './delivery-store.js';

export interface DecideContext {
  messageId: string;
  sender: string;
  receivedAt: number;
  notify: string[] | undefined;
  attempts: number; // before this one
  delayNotified: boolean;
  now: number;
  retry: RetryPolicy;
  delayWarningMs: number; // 0: never
}

/** The new state of one recipient after `result`. */
export function decide(result: RecipientResult, ctx: DecideContext): RecipientUpdate {
  const { outcome, attempt } = result;
  const base = {
    messageId: ctx.messageId,
    idx: result.idx,
    countsAsAttempt: attempt.skipped !== true,
    at: ctx.now,
    code: outcome.code,
    enhanced: outcome.enhanced,
    text: outcome.text,
    remote: outcome.remote,
    mta: attempt.mx ?? null,
    delayNotified: false,
  };
  // Held back by the identity's pacing (src/pacing): not an attempt, waits for its slot, never expires.
  if (result.wait) {
    const { until, reason, identity } = result.wait;
    return { ...base, countsAsAttempt: false, state: 'throttled', nextAttemptAt: until, dsnPending: false, final: false, wait: { reason, identity } };
  }
  if (outcome.code >= 200 && outcome.code < 300) return { ...base, ...success(result, ctx) };
  if (outcome.code >= 500) return { ...base, ...final('bounced', ctx) };
  // 4xx, and anything else a broken path let through (never delivered on a 1xx or 3xx): defer.
  const next = nextRetry(ctx.retry, { now: ctx.now, receivedAt: ctx.receivedAt, attempts: ctx.attempts + 1, text: outcome.text });
  if (next.kind === 'expire') return { ...base, ...final('expired', ctx) };
  const warn = !ctx.delayNotified && ctx.delayWarningMs > 0 && ctx.now - ctx.receivedAt >= ctx.delayWarningMs
    && dsnWanted('delay', ctx.sender, ctx.notify);
  return { ...base, state: 'deferred', nextAttemptAt: next.at, dsnPending: warn, delayNotified: false, final: false };
}

function success(result: RecipientResult, ctx: DecideContext) {
  const wantsReport = dsnWanted('success', ctx.sender, ctx.notify);
  const local = result.attempt.route === 'local';
  const relayed = !local && result.attempt.peerDsn === false;
  return {
    state: relayed && wantsReport ? ('relayed' as const) : ('delivered' as const),
    nextAttemptAt: null,
    dsnPending: wantsReport && (local || relayed),
    final: true,
  };
}

function final(state: 'bounced' | 'expired', ctx: DecideContext) {
  return { state, nextAttemptAt: null, dsnPending: dsnWanted('failure', ctx.sender, ctx.notify), final: true };
}

/** The attempts-table row for one recipient's attempt. */
export function attemptRow(
  messageId: string,
  result: RecipientResult,
  update: RecipientUpdate,
  classification: Classification | null = null,
  identity: string | null = null,
): AttemptRow {
  const { attempt: a, outcome: o } = result;
  const outcome = update.state === 'expired' || update.state === 'bounced' ? 'bounced' : update.state;
  return {
    messageId,
    idx: result.idx,
    at: a.startedAt,
    durationMs: a.durationMs,
    outcome,
    route: a.route,
    mx: a.mx ?? null,
    ip: a.ip ?? null,
    port: a.port ?? null,
    localIp: a.localIp ?? null,
    tls: a.tls ?? null,
    code: o.code,
    enhanced: o.enhanced,
    text: o.text,
    remote: o.remote,
    phase: o.phase,
    class: classification?.class ?? null,
    reason: classification?.reason ?? null,
    identity,
  };
}
