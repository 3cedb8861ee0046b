// Dashboard sign-in (POST/GET/DELETE /v1/session: the admin password or an admin/read API key -> a
// session cookie) and the overview chart's hourly event counts (GET /v1/overview). A wrong secret is
// a 401, never a hint of which part was wrong; without adminPasswordEnv set, password sign-in is off.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { sameSecret, sessionToken, sessionsOf, setSessionCookie } from '../session.js';

const HOUR_MS = 3_600_000;
/** Each refused sign-in answers this late, which slows guessing one request at a time. */
const FAILURE_DELAY_MS = 300;
/** The event types the overview counts per hour. */
const OVERVIEW_TYPES = ['accepted', 'delivered', 'deferred', 'bounced'] as const;

const signIn = z.union([
  z.strictObject({ password: z.string().min(1).max(1024) }),
  z.strictObject({ apiKey: z.string().min(1).max(200) }),
]);
const sessionInfo = z.object({ scope: z.enum(['read', 'admin']), expiresAt: z.iso.datetime().nullable() });
const overviewQuery = z.strictObject({ hours: z.coerce.number().int().min(1).max(24 * 14).default(24) });
const bucket = z.object({
  at: z.iso.datetime(),
  accepted: z.number(), delivered: z.number(), deferred: z.number(), bounced: z.number(),
});
const overview = z.object({ from: z.iso.datetime(), to: z.iso.datetime(), bucketMinutes: z.number(), buckets: z.array(bucket) });

export function sessionRoutes(ctx: ApiContext) {
  const sessions = sessionsOf(ctx);
  return [
    route({
      method: 'POST', url: '/v1/session', scope: null, tag: 'session',
      summary: 'Sign in to the dashboard with the admin password or an admin/read API key; sets an HttpOnly session cookie (12 h)',
      body: signIn,
      responses: { 200: ['signed in', sessionInfo], 401: ['wrong password or key'], 403: ['a send-only key'] },
      handler: async ({ body, request, reply }) => {
        let who: { id: string; scope: 'admin' | 'read' };
        try {
          who = 'password' in body ? checkPassword(ctx, body.password) : checkKey(ctx, body.apiKey);
        } catch (err) {
          await sleep(FAILURE_DELAY_MS);
          throw err;
        }
        const { token, session } = sessions.create(who.id, who.scope);
        setSessionCookie(request, reply, token, session.expiresAt - Date.now());
        return { scope: session.scope, expiresAt: new Date(session.expiresAt).toISOString() };
      },
    }),
    route({
      method: 'GET', url: '/v1/session', scope: 'read', tag: 'session', summary: 'Who the caller is (session cookie or key)',
      responses: { 200: ['the caller', sessionInfo] },
      handler: ({ caller, request }) => {
        const token = sessionToken(request);
        const session = token ? sessions.get(token) : null;
        return { scope: caller!.scope, expiresAt: session ? new Date(session.expiresAt).toISOString() : null };
      },
    }),
    route({
      method: 'DELETE', url: '/v1/session', scope: null, tag: 'session', summary: 'Sign out: forget the session and clear its cookie',
      responses: { 200: ['signed out', z.object({ signedOut: z.literal(true) })] },
      handler: ({ request, reply }) => {
        const token = sessionToken(request);
        if (token) sessions.delete(token);
        setSessionCookie(request, reply, '', 0);
        return { signedOut: true as const };
      },
    }),
    route({
      method: 'GET', url: '/v1/overview', scope: 'read', tag: 'events',
      summary: 'Accepted, delivered, deferred and bounced events per hour over the last `hours` (default 24)',
      query: overviewQuery,
      responses: { 200: ['hourly counts, oldest first', overview] },
      handler: ({ query }) => hourlyCounts(ctx, query.hours, Date.now()),
    }),
  ];
}

function checkPassword(ctx: ApiContext, given: string): { id: string; scope: 'admin' } {
  const name = ctx.config.http.adminPasswordEnv;
  const expected = name ? process.env[name] : undefined;
  if (!expected) throw new ApiError(401, 'unauthorized', 'password sign-in is not configured (http.adminPasswordEnv); sign in with an API key');
  if (!sameSecret(given, expected)) throw new ApiError(401, 'unauthorized', 'wrong password');
  return { id: 'password', scope: 'admin' };
}

function checkKey(ctx: ApiContext, apiKey: string): { id: string; scope: 'admin' | 'read' } {
  const key = ctx.keys.verify(apiKey);
  if (!key) throw new ApiError(401, 'unauthorized', 'unknown or revoked API key');
  if (key.scope === 'send') throw new ApiError(403, 'forbidden', 'a send key cannot sign in to the dashboard; use a read or admin key');
  return { id: key.id, scope: key.scope };
}

/** One bucket per hour, the last one being the current (partial) hour; empty hours count zero. */
function hourlyCounts(ctx: ApiContext, hours: number, now: number) {
  const first = (Math.floor(now / HOUR_MS) - hours + 1) * HOUR_MS;
  const rows = ctx.db
    .prepare(`SELECT at / ${HOUR_MS} AS hour, type, COUNT(*) AS n FROM events
              WHERE at >= ? AND type IN (${OVERVIEW_TYPES.map(() => '?').join(', ')}) GROUP BY hour, type`)
    .all(first, ...OVERVIEW_TYPES) as Array<{ hour: number; type: (typeof OVERVIEW_TYPES)[number]; n: number }>;
  const buckets = Array.from({ length: hours }, (_, i) => ({
    at: new Date(first + i * HOUR_MS).toISOString(), accepted: 0, delivered: 0, deferred: 0, bounced: 0,
  }));
  for (const row of rows) {
    const b = buckets[row.hour - first / HOUR_MS];
    if (b) b[row.type] = row.n;
  }
  return { from: new Date(first).toISOString(), to: new Date(now).toISOString(), bucketMinutes: 60, buckets };
}
