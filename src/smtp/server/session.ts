// The SMTP server session as a pure state machine: handle(state, input) returns the effects (replies
// first among them); sockets, TLS, timers and storage live in connection.ts. Nothing here does I/O.

import { COMMAND_POLICY } from './command-policy.js';
import { R } from './replies.js';
import { handleAuth, handleAuthLine, handleAuthChecked } from './session-auth.js';
import { ehloReply } from './session-hello.js';
import { handleBdat, handleBdatChunkEnd, handleData, handleDataEnd, handleMail, handleRcpt } from './session-mail.js';
import type { Effect, SessionContext, SessionInput, SessionState } from './session-types.js';
import { close, resetTransaction, say } from './effects.js';
import { parseCommand, type Command, type Verb } from '../wire/command.js';
import { reply } from '../wire/reply.js';

export function initialState(tls: SessionState['tls'] = null): SessionState {
  return { phase: { kind: 'command' }, helo: null, tls, user: null, tx: null, errors: 0, authFailures: 0 };
}

/** The greeting (RFC 5321 §4.3.1); "ESMTP" in it makes old clients try EHLO. */
export function greeting(ctx: SessionContext): Effect[] {
  return [{ type: 'reply', reply: reply(220, null, `${ctx.config.hostname} ESMTP Petrel`) }];
}

/** One step of the session: mutate `s`, return what the driver must do, replies in order. */
export function handle(s: SessionState, input: SessionInput, ctx: SessionContext): Effect[] {
  const effects = dispatch(s, input, ctx);
  return countErrors(s, effects, ctx);
}

function dispatch(s: SessionState, input: SessionInput, ctx: SessionContext): Effect[] {
  switch (input.type) {
    case 'line':
      return s.phase.kind === 'command' ? handleLine(s, input.line, ctx) : handleAuthLine(s, input.line, ctx);
    case 'bad-line':
      if (s.phase.kind === 'auth' || s.phase.kind === 'auth-failing') s.phase = { kind: 'command' };
      return [say(badLineReply(input.reason))];
    case 'auth-checked':
      return handleAuthChecked(s, input.outcome, ctx);
    case 'tls-started':
      // RFC 3207 §4.2: forget everything learned before TLS.
      Object.assign(s, initialState(input.tls), { errors: s.errors, authFailures: s.authFailures });
      return [];
    case 'data-end':
      return handleDataEnd(s, input.result);
    case 'bdat-chunk-end':
      return handleBdatChunkEnd(s);
    case 'stored':
      s.tx = null;
      s.phase = { kind: 'command' };
      return [say(reply(250, '2.0.0', `OK: queued as ${input.id}`))];
    case 'store-failed':
      s.tx = null;
      s.phase = { kind: 'command' };
      return [say(R.storeFailed)];
    case 'refused':
      s.tx = null;
      s.phase = { kind: 'command' };
      return [say(input.reply)];
    case 'timeout':
      return close(s, R.timeout);
  }
}

const badLineReply = (reason: 'too-long' | 'bare-newline' | 'invalid-utf8') =>
  reason === 'too-long' ? R.lineTooLong : reason === 'bare-newline' ? R.bareNewlineCommand : R.badUtf8;

const HTTP_REQUEST = /^(GET|POST|HEAD|PUT|DELETE|OPTIONS|CONNECT|PATCH) \S+( HTTP\/\d)?/;

function handleLine(s: SessionState, line: string, ctx: SessionContext): Effect[] {
  // A web client talking to an SMTP port (or a cross-protocol attack): no reply, just close.
  if (HTTP_REQUEST.test(line)) return close(s);
  const parsed = parseCommand(line, { smtputf8: s.tx?.smtputf8 ?? false });
  if (!parsed.ok) return parsed.verb ? withPolicy(parsed.verb, [say(parsed.reply)]) : [say(parsed.reply)];
  const cmd = parsed.command;
  if (needsTls(s, ctx, cmd)) return cmd.verb === 'BDAT' ? handleBdat(s, cmd, ctx, R.needTls) : [say(R.needTls)];
  return withPolicy(cmd.verb, handleCommand(s, cmd, ctx));
}

/** Apply the command's row of the policy table to its effects. */
function withPolicy(verb: Verb, effects: Effect[]): Effect[] {
  const policy = COMMAND_POLICY[verb];
  const out = policy.countsErrors ? effects : effects.map((e): Effect => (e.type === 'reply' ? { ...e, uncounted: true } : e));
  if (!policy.endsGroup) return out;
  // The group's replies go out right after this command's own replies, before anything slow it starts.
  const replies = out.findIndex((e) => e.type !== 'reply');
  const at = replies < 0 ? out.length : replies;
  return at === 0 ? out : [...out.slice(0, at), { type: 'flush' }, ...out.slice(at)];
}

function needsTls(s: SessionState, ctx: SessionContext, cmd: Command): boolean {
  return ctx.config.role !== 'mx' && s.tls === null && !COMMAND_POLICY[cmd.verb].beforeTls;
}

function handleCommand(s: SessionState, cmd: Command, ctx: SessionContext): Effect[] {
  switch (cmd.verb) {
    case 'EHLO':
    case 'HELO':
      s.helo = { name: cmd.domain, extended: cmd.verb === 'EHLO' };
      return [...resetTransaction(s), say(cmd.verb === 'EHLO' ? ehloReply(s, ctx) : reply(250, null, `${ctx.config.hostname}`))];
    case 'MAIL':
      return handleMail(s, cmd, ctx);
    case 'RCPT':
      return handleRcpt(s, cmd, ctx);
    case 'DATA':
      return handleData(s, ctx);
    case 'BDAT':
      return handleBdat(s, cmd, ctx);
    case 'AUTH':
      return handleAuth(s, cmd, ctx);
    case 'STARTTLS':
      return handleStartTls(s, ctx);
    case 'RSET':
      return [...resetTransaction(s), say(R.ok)];
    case 'NOOP':
      return [say(R.ok)];
    case 'VRFY':
      return [say(R.vrfy)];
    case 'HELP':
      return [say(R.help)];
    case 'QUIT':
      return close(s, R.bye);
  }
}

function handleStartTls(s: SessionState, ctx: SessionContext): Effect[] {
  if (s.tls !== null) return [say(R.alreadyTls)];
  if (!ctx.config.tlsAvailable) return [say(R.tlsUnavailable)];
  s.phase = { kind: 'waiting' };
  return [...resetTransaction(s), say(R.readyTls), { type: 'start-tls' }];
}

/** Every 5xx counts toward the session's error budget; past it, 421 and close. */
function countErrors(s: SessionState, effects: Effect[], ctx: SessionContext): Effect[] {
  if (s.phase.kind === 'closed') return effects;
  for (const e of effects) if (e.type === 'reply' && e.reply.code >= 500 && !e.uncounted) s.errors++;
  if (s.errors < ctx.config.maxErrors) return effects;
  return [...effects, ...close(s, R.tooManyErrors)];
}
