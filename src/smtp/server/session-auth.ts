// SMTP AUTH in the session (RFC 4954): mechanism choice, the SASL exchange, the credential check as
// an effect, and the failure budget (growing delay per failure, then 421 and close).

import { createExchange, type SaslExchange, type SaslStep } from '../sasl/index.js';
import type { Command } from '../wire/command.js';
import { reply } from '../wire/reply.js';
import { close, say } from './effects.js';
import type { AuthOutcome } from './ports.js';
import { R } from './replies.js';
import type { Effect, SessionContext, SessionState } from './session-types.js';

type Auth = Extract<Command, { verb: 'AUTH' }>;

export function handleAuth(s: SessionState, cmd: Auth, ctx: SessionContext): Effect[] {
  if (ctx.config.role === 'mx') return [say(R.authNotOffered)];
  if (s.helo === null) return [say(R.needHelo)];
  if (s.user !== null) return [say(R.alreadyAuth)];
  if (ctx.ipAuthBlocked()) return close(s, R.tooManyAuthFailures);
  const exchange = ctx.config.mechanisms.includes(cmd.mechanism)
    ? createExchange(cmd.mechanism, { nonce: ctx.nonce, now: ctx.now, hostname: ctx.config.hostname })
    : null;
  if (exchange === null) return [say(R.unknownMechanism)];
  return applyStep(s, exchange, exchange.start(cmd.initial));
}

/** A line while a SASL exchange is in progress. */
export function handleAuthLine(s: SessionState, line: string, ctx: SessionContext): Effect[] {
  if (s.phase.kind === 'auth-failing') return failure(s, ctx);
  if (s.phase.kind !== 'auth') return [];
  if (line === '*') {
    s.phase = { kind: 'command' };
    return [say(R.authCancelled)];
  }
  return applyStep(s, s.phase.exchange, s.phase.exchange.respond(line));
}

function applyStep(s: SessionState, exchange: SaslExchange, step: SaslStep): Effect[] {
  switch (step.kind) {
    case 'challenge':
      s.phase = { kind: 'auth', exchange };
      return [say(reply(334, null, step.data))];
    case 'done':
      s.phase = { kind: 'auth-checking', exchange };
      return [{ type: 'check-auth', credentials: step.credentials }];
    case 'fail':
      s.phase = { kind: 'command' };
      return [say(step.reply)];
  }
}

export function handleAuthChecked(s: SessionState, outcome: AuthOutcome, ctx: SessionContext): Effect[] {
  if (s.phase.kind !== 'auth-checking') return [];
  if (outcome.ok) {
    s.user = outcome.user;
    s.phase = { kind: 'command' };
    return [say(R.authOk)];
  }
  const challenge = s.phase.exchange.failureChallenge;
  if (challenge === undefined) return failure(s, ctx);
  s.phase = { kind: 'auth-failing' };
  return [say(reply(334, null, challenge))];
}

/** A refused credential: the delay grows with each failure; the last allowed one closes. */
function failure(s: SessionState, ctx: SessionContext): Effect[] {
  s.authFailures++;
  ctx.recordAuthFailure();
  s.phase = { kind: 'command' };
  const delay: Effect = { type: 'delay', ms: s.authFailures * ctx.config.authFailureDelayMs };
  if (s.authFailures >= ctx.config.maxAuthFailures) return [delay, ...close(s, R.tooManyAuthFailures)];
  return [delay, say(R.authFailed)];
}
