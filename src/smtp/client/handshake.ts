// Session set-up on an open connection: greeting, EHLO (HELO after a 5xx), STARTTLS per the TLS mode
// and EHLO again, then AUTH. Returns null when ready, else the Outcome every recipient would get.
import type { Reply } from '../wire/reply.js';
import { peerLabel, type Connection } from './connection.js';
import { fromFailure, fromReply, local, quote, refusal, replyText } from './outcomes.js';
import { chooseMechanism, createMechanism, type ClientMechanism } from './sasl.js';
import type { ClientAuth, ConnectOptions, Outcome, SessionInfo } from './types.js';

/** What the transcript shows in place of SASL credentials (initial responses and answers to 334). */
export const HIDDEN = '<credentials hidden>';

/** SASL round-trips we follow before giving up on a peer that keeps challenging. */
const MAX_AUTH_STEPS = 8;

/** @example const problem = await handshake(conn, opts, info) // null: ready for send() */
export async function handshake(conn: Connection, o: ConnectOptions, info: SessionInfo): Promise<Outcome | null> {
  const greeting = await conn.read('greeting');
  if (!greeting.ok) return fromFailure(greeting.failure);
  if (greeting.reply.code !== 220) return refusal(greeting.reply, 'greeting');
  info.greeting = replyText(greeting.reply);
  info.tls = conn.tls; // implicit TLS
  const problem = (await hello(conn, o, info)) ?? (await startTls(conn, o, info));
  if (problem || !o.auth) return problem;
  return authenticate(conn, o.auth, info);
}

/** EHLO; after a 5xx (an SMTP-only peer), HELO and no extensions. */
async function hello(conn: Connection, o: ConnectOptions, info: SessionInfo): Promise<Outcome | null> {
  conn.write([`EHLO ${o.helo}`]);
  const ehlo = await conn.read('ehlo');
  if (!ehlo.ok) return fromFailure(ehlo.failure);
  if (ehlo.reply.code >= 200 && ehlo.reply.code < 300) {
    info.extensions = parseExtensions(ehlo.reply);
    return null;
  }
  if (ehlo.reply.code < 500) return refusal(ehlo.reply, 'ehlo');
  conn.write([`HELO ${o.helo}`]);
  const helo = await conn.read('helo');
  if (!helo.ok) return fromFailure(helo.failure);
  info.extensions = new Map();
  return helo.reply.code >= 200 && helo.reply.code < 300 ? null : refusal(helo.reply, 'helo');
}

/**
 * The EHLO keywords, upper-cased, with their parameters (RFC 5321 §4.1.1.1). The old "AUTH=X Y"
 * form some servers still send is read as AUTH.
 */
export function parseExtensions(r: Reply): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of r.lines.slice(1)) {
    const [word = '', ...params] = line.trim().split(/\s+/);
    const keyword = word.toUpperCase().startsWith('AUTH=') ? 'AUTH' : word.toUpperCase();
    if (keyword === '') continue;
    if (keyword === 'AUTH' && word.includes('=')) params.unshift(word.slice(5));
    out.set(keyword, [...(out.get(keyword) ?? []), ...params.filter((p) => p !== '')]);
  }
  return out;
}

/**
 * STARTTLS (RFC 3207) as the mode asks. Opportunistic: a peer without STARTTLS, or refusing it with
 * a non-421 reply, is used in plaintext; but once the handshake starts, its failure is a 4xx
 * outcome (4.7.5) and the caller decides whether to retry with tls.mode 'none'.
 */
async function startTls(conn: Connection, o: ConnectOptions, info: SessionInfo): Promise<Outcome | null> {
  const { mode } = o.tls;
  if (mode === 'none' || mode === 'implicit') return null;
  if (!info.extensions.has('STARTTLS')) {
    if (mode === 'opportunistic') return null;
    return local(454, '4.7.4', `TLS is required but ${peerLabel(o)} does not offer STARTTLS`, 'starttls');
  }
  conn.write(['STARTTLS']);
  const r = await conn.read('starttls');
  if (!r.ok) return fromFailure(r.failure);
  if (r.reply.code !== 220) {
    if (r.reply.code === 421) return fromReply(r.reply, 'starttls');
    if (mode === 'opportunistic') return null;
    return local(454, '4.7.4', `TLS is required but ${peerLabel(o)} refused STARTTLS: ${quote(r.reply)}`, 'starttls');
  }
  const failure = await conn.startTls();
  if (failure) return fromFailure(failure);
  info.tls = conn.tls;
  return hello(conn, o, info);
}

/** AUTH with the first usable mechanism; every failure defers (a smarthost credentials problem must not bounce mail). */
async function authenticate(conn: Connection, auth: ClientAuth, info: SessionInfo): Promise<Outcome | null> {
  const offered = info.extensions.get('AUTH');
  if (!offered) return local(454, '4.7.0', 'authentication is configured but the host does not offer AUTH', 'auth');
  const name = chooseMechanism(offered, auth);
  if (!name) return local(454, '4.7.0', `no usable authentication mechanism: the host offers ${offered.join(' ') || 'none'}`, 'auth');
  let mech: ClientMechanism;
  try {
    mech = await withTimeout(createMechanism(name, auth), conn.timeouts.auth);
  } catch (err) {
    return local(454, '4.7.0', `cannot get credentials for ${name}: ${(err as Error).message}`, 'auth');
  }
  // RFC 4954 §4: an empty initial response is sent as "=".
  const initial = mech.initial === null ? '' : ` ${mech.initial || '='}`;
  conn.write([`AUTH ${name}${initial}`], [`AUTH ${name}${initial && ` ${HIDDEN}`}`]);
  return authReplies(conn, mech, info);
}

async function authReplies(conn: Connection, mech: ClientMechanism, info: SessionInfo): Promise<Outcome | null> {
  for (let step = 0; step < MAX_AUTH_STEPS; step++) {
    const r = await conn.read('auth');
    if (!r.ok) return fromFailure(r.failure);
    const { code } = r.reply;
    if (code === 334) {
      const answer = mech.respond(r.reply.lines.join(''));
      conn.write([answer], [answer === '' || answer === '*' ? answer : HIDDEN]); // an empty line or a cancel holds no secret
      continue;
    }
    if (code >= 200 && code < 300) {
      info.authenticated = true;
      return null;
    }
    if (code === 421) return fromReply(r.reply, 'auth');
    return local(454, '4.7.0', `authentication with ${mech.name} failed: ${quote(r.reply)}`, 'auth');
  }
  return local(454, '4.7.0', `authentication with ${mech.name} did not finish after ${MAX_AUTH_STEPS} challenges`, 'auth');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
