// Dashboard sessions: a random token in an HttpOnly, SameSite=Strict cookie, kept only in memory for
// 12 hours (a restart signs everyone out). A session acts like an API key of its scope; unknown,
// expired or malformed cookies simply authenticate nothing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from './context.js';
import type { ApiScope } from './keys.js';

export const SESSION_COOKIE = 'petrel_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Bounds memory if someone signs in in a loop; the oldest sessions go first. */
const MAX_SESSIONS = 10_000;

export interface Session {
  /** What the session acts as: 'password' or the id of the API key that signed in. */
  id: string;
  scope: ApiScope;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  create(id: string, scope: ApiScope, now = Date.now()): { token: string; session: Session } {
    this.sweep(now);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const token = randomBytes(32).toString('base64url');
    const session = { id, scope, expiresAt: now + SESSION_TTL_MS };
    this.sessions.set(token, session);
    return { token, session };
  }

  get(token: string, now = Date.now()): Session | null {
    const session = this.sessions.get(token);
    if (!session) return null;
    if (session.expiresAt <= now) {
      this.sessions.delete(token);
      return null;
    }
    return session;
  }

  delete(token: string): void {
    this.sessions.delete(token);
  }

  private sweep(now: number): void {
    for (const [token, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(token);
  }
}

// One store per running API (keyed by its context), so server.ts and the routes share it without
// widening ApiContext.
const stores = new WeakMap<ApiContext, SessionStore>();

export function sessionsOf(ctx: ApiContext): SessionStore {
  let store = stores.get(ctx);
  if (!store) stores.set(ctx, (store = new SessionStore()));
  return store;
}

/** The session token of the request's cookie, if any (not yet checked). */
export function sessionToken(request: FastifyRequest): string | null {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The live session of the request, as an API key would be: `{ id, scope }`, or null. */
export function sessionKey(ctx: ApiContext, request: FastifyRequest): { id: string; scope: ApiScope } | null {
  const token = sessionToken(request);
  const session = token ? sessionsOf(ctx).get(token) : null;
  return session ? { id: `session:${session.id}`, scope: session.scope } : null;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  void reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
}

/** Constant-time string comparison (hashing first makes the lengths equal and hides them). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
