// The mail transaction in the session: MAIL, RCPT, DATA and BDAT. Role policy (relay refusal on mx,
// sender ownership on submission) is decided here; the driver only moves bytes.

import type { Command } from '../wire/command.js';
import { reply, type Reply } from '../wire/reply.js';
import { close, say } from './effects.js';
import { mailParams, rcptParams } from './params.js';
import type { Envelope } from './ports.js';
import { R } from './replies.js';
import type { Effect, Path, SessionContext, SessionState, Transaction } from './session-types.js';

type Mail = Extract<Command, { verb: 'MAIL' }>;
type Rcpt = Extract<Command, { verb: 'RCPT' }>;
type Bdat = Extract<Command, { verb: 'BDAT' }>;

export function handleMail(s: SessionState, cmd: Mail, ctx: SessionContext): Effect[] {
  if (s.helo === null) return [say(R.needHelo)];
  if (s.tx !== null) return [say(R.nestedMail)];
  if (ctx.config.role !== 'mx' && s.user === null) return [say(R.needAuth)];
  if (!s.helo.extended && cmd.params.length > 0) return [say(R.unknownParameter)];
  const params = mailParams(cmd.params);
  if (!params.ok) return [say(params.reply)];
  const refusal = senderRefusal(s, cmd.path, ctx);
  if (refusal) return [say(refusal)];
  if ((params.value.declaredSize ?? 0) > ctx.config.maxMessageSize) return [say(R.tooBig)];
  const sender = cmd.path.kind === 'mailbox' ? cmd.path.address : '';
  s.tx = { sender, recipients: [], bdat: null, ...params.value };
  return [say(R.senderOk)];
}

function senderRefusal(s: SessionState, path: Path, ctx: SessionContext): Reply | null {
  if (ctx.config.role === 'mx') return null;
  if (path.kind !== 'mailbox') return R.nullSenderRefused;
  return ctx.directory.maySendAs(s.user!, path.address) ? null : R.senderNotOwned;
}

export function handleRcpt(s: SessionState, cmd: Rcpt, ctx: SessionContext): Effect[] {
  if (s.tx === null) return [say(R.needMail)];
  if (s.tx.recipients.length >= ctx.config.maxRecipients) return [say(R.tooManyRecipients)];
  const params = rcptParams(cmd.params);
  if (!params.ok) return [say(params.reply)];
  const address = recipientAddress(cmd.path, ctx, s.tx.sender);
  if (typeof address !== 'string') return [say(address)];
  s.tx.recipients.push({ address, ...params.value });
  return [say(R.recipientOk)];
}

/** The address to store, or the refusal for this role. */
function recipientAddress(path: Path, ctx: SessionContext, sender: string): string | Reply {
  if (path.kind === 'null') return R.badRecipient;
  if (path.kind === 'postmaster') return `postmaster@${ctx.config.hostname}`;
  const tricks = Object.values(path.flags).some(Boolean);
  if (ctx.config.role !== 'mx') {
    if (path.flags.trailingDot) return R.badRecipient;
    return ctx.directory.refusesRecipient?.(sender, path.address) ? R.suppressed : path.address;
  }
  if (tricks) return R.relayTrick;
  const verdict = ctx.directory.recipient(`${path.local.toLowerCase()}@${path.domain}`);
  if (verdict === 'not-local') return R.relayDenied;
  return verdict === 'accept' ? path.address : R.noSuchUser;
}

function transactionProblem(s: SessionState): Reply | null {
  if (s.helo === null) return R.needHelo;
  if (s.tx === null) return R.needMail;
  if (s.tx.recipients.length === 0) return R.noValidRecipients;
  return null;
}

export function handleData(s: SessionState, ctx: SessionContext): Effect[] {
  const problem = transactionProblem(s) ?? (s.tx!.bdat ? R.dataAfterBdat : null);
  if (problem) return [say(problem)];
  if (s.tx!.body === 'BINARYMIME') return [say(R.binaryNeedsBdat)];
  s.phase = { kind: 'waiting' };
  return [say(R.startData), { type: 'receive-data', envelope: envelope(s, s.tx!, ctx) }];
}

export function handleDataEnd(s: SessionState, result: 'ok' | 'too-big' | 'bare-newline'): Effect[] {
  if (result === 'ok') return [{ type: 'commit' }];
  if (result === 'bare-newline') return [{ type: 'discard-message' }, ...close(s, R.bareNewline)];
  s.tx = null;
  s.phase = { kind: 'command' };
  return [{ type: 'discard-message' }, say(R.tooBig)];
}

/** BDAT: the chunk's octets are always read, even when refused (RFC 3030 §2), so nothing is misparsed. */
export function handleBdat(s: SessionState, cmd: Bdat, ctx: SessionContext, refusal: Reply | null = null): Effect[] {
  const tx = s.tx;
  const problem = refusal ?? transactionProblem(s);
  if (problem || !tx) return readChunk(s, cmd, problem ?? R.needMail, null, false);
  const first = tx.bdat === null;
  tx.bdat = { bytes: (tx.bdat?.bytes ?? 0) + cmd.size };
  if (tx.bdat.bytes > ctx.config.maxMessageSize) return readChunk(s, cmd, R.tooBig, null, false);
  return readChunk(s, cmd, null, first ? envelope(s, tx, ctx) : null, true);
}

function readChunk(s: SessionState, cmd: Bdat, rejection: Reply | null, env: Envelope | null, keep: boolean): Effect[] {
  s.phase = { kind: 'bdat', last: cmd.last, rejection };
  return [{ type: 'receive-bdat', size: cmd.size, keep, envelope: env }];
}

export function handleBdatChunkEnd(s: SessionState): Effect[] {
  if (s.phase.kind !== 'bdat') return [];
  const { last, rejection } = s.phase;
  if (rejection) {
    const hadMessage = s.tx?.bdat != null && rejection === R.tooBig;
    s.phase = { kind: 'command' };
    if (rejection === R.tooBig) s.tx = null;
    return hadMessage ? [{ type: 'discard-message' }, say(rejection)] : [say(rejection)];
  }
  if (last) {
    s.phase = { kind: 'waiting' };
    return [{ type: 'commit' }];
  }
  s.phase = { kind: 'command' };
  return [say(reply(250, '2.0.0', `${s.tx?.bdat?.bytes ?? 0} octets received`))];
}

function envelope(s: SessionState, tx: Transaction, ctx: SessionContext): Envelope {
  return {
    sender: tx.sender,
    recipients: tx.recipients,
    body: tx.body,
    smtputf8: tx.smtputf8,
    ...(tx.ret ? { ret: tx.ret } : {}),
    ...(tx.envid !== undefined ? { envid: tx.envid } : {}),
    ...(tx.declaredSize !== undefined ? { declaredSize: tx.declaredSize } : {}),
    authUser: s.user,
    client: { address: ctx.client.address, port: ctx.client.port, helo: s.helo?.name ?? '' },
    tls: s.tls,
    role: ctx.config.role,
    listener: ctx.config.listener,
    receivedAt: ctx.now(),
  };
}
