// Dashboard sessions: a random token in an HttpOnly, SameSite=Strict cookie for 12 hours, stored as its
// SHA-256 in dashboard_sessions (so a restart keeps people signed in, and in cluster mode the mirror
// shares them with every node). A session acts like an API key of its scope; unknown, expired or
// malformed cookies simply authenticate nothing. Database errors pass through.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../store/db.js';
import type { ApiContext } from './context.js';
import { API_SCOPES, type ApiScope } from './keys.js';

export const SESSION_COOKIE = 'petrel_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Bounds the table if someone signs in in a loop; the oldest sessions go first. */
export const MAX_SESSIONS = 10_000;

export interface Session {
  /** What the session acts as: 'password' or the id of the API key that signed in. */
  id: string;
  scope: ApiScope;
  expiresAt: number;
}

const sessionRow = z.object({ subject: z.string(), scope: z.enum(API_SCOPES), expires_at: z.number() });

/** Only the hash is stored: a copy of the table (or of PostgreSQL) signs nobody in. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class SessionStore {
  constructor(private readonly db: Db, private readonly max = MAX_SESSIONS) {}

  create(id: string, scope: ApiScope, now = Date.now()): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url');
    const session = { id, scope, expiresAt: now + SESSION_TTL_MS };
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM dashboard_sessions WHERE expires_at <= ?').run(now);
      this.dropOldest(this.max - 1);
      this.db.prepare('INSERT INTO dashboard_sessions (token_hash, subject, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(tokenHash(token), id, scope, now, session.expiresAt);
    })();
    return { token, session };
  }

  get(token: string, now = Date.now()): Session | null {
    const hash = tokenHash(token);
    const row = this.db.prepare('SELECT subject, scope, expires_at FROM dashboard_sessions WHERE token_hash = ?').get(hash);
    if (row === undefined) return null;
    const r = sessionRow.safeParse(row);
    if (!r.success || r.data.expires_at <= now) {
      this.db.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?').run(hash);
      return null;
    }
    return { id: r.data.subject, scope: r.data.scope, expiresAt: r.data.expires_at };
  }

  delete(token: string): void {
    this.db.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?').run(tokenHash(token));
  }

  /** Keep at most `keep` sessions, removing the oldest first. */
  private dropOldest(keep: number): void {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM dashboard_sessions').get() as { n: number };
    if (n <= keep) return;
    this.db.prepare(`DELETE FROM dashboard_sessions WHERE token_hash IN
      (SELECT token_hash FROM dashboard_sessions ORDER BY created_at, token_hash LIMIT ?)`).run(n - keep);
  }
}

// One store per running API (keyed by its context), so server.ts and the routes share it without
// widening ApiContext.
const stores = new WeakMap<ApiContext, SessionStore>();

export function sessionsOf(ctx: ApiContext): SessionStore {
  let store = stores.get(ctx);
  if (!store) stores.set(ctx, (store = new SessionStore(ctx.db)));
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
