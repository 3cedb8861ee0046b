// Liveness and readiness for orchestrators: /healthz answers while the process runs; /readyz only
// when the listeners are up and the database answers a query.
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';

const status = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.boolean()).optional(),
  /** Why not ready (cluster mode: PostgreSQL unavailable since ...). */
  reason: z.string().optional(),
});

export function healthRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'GET', url: '/healthz', scope: null, tag: 'health', summary: 'The process is alive',
      responses: { 200: ['alive', status] },
      handler: () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET', url: '/readyz', scope: null, tag: 'health', summary: 'Listeners up and the database answering',
      responses: { 200: ['ready', status], 503: ['not ready', status] },
      handler: ({ reply }) => {
        const checks: Record<string, boolean> = { listeners: ctx.ready(), database: databaseAnswers(ctx) };
        // Cluster mode: without PostgreSQL this node still accepts and delivers, but shared work waits.
        const shared = ctx.cluster ? ctx.cluster.notReady() : null;
        if (ctx.cluster) checks.sharedState = shared === null;
        const ok = Object.values(checks).every(Boolean);
        void reply.code(ok ? 200 : 503);
        return { status: ok ? 'ok' : 'unavailable', checks, ...(shared ? { reason: shared } : {}) };
      },
    }),
  ];
}

function databaseAnswers(ctx: ApiContext): boolean {
  try {
    return ctx.db.prepare('SELECT 1').pluck().get() === 1;
  } catch {
    return false;
  }
}
