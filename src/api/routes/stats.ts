// GET /v1/stats: delivery figures over a rolling window (events/stats.ts), per sending domain and
// source IP with bounce and complaint rates. A malformed window is a 400 on query.window.
import { z } from 'zod';
import { computeStats } from '../../events/stats.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WINDOW_MS = 400 * UNIT_MS.d;

/** `30m`, `24h`, `7d` → milliseconds (at most 400 days). */
export const windowSchema = z
  .string()
  .regex(/^\d{1,6}[mhd]$/, 'a window is a number and m, h or d (e.g. 24h, 7d)')
  .transform((w) => Number(w.slice(0, -1)) * UNIT_MS[w.slice(-1) as keyof typeof UNIT_MS])
  .refine((ms) => ms > 0 && ms <= MAX_WINDOW_MS, 'a window is between 1m and 400d');

export function statsRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'GET', url: '/v1/stats', scope: 'read', tag: 'stats',
      summary: 'Delivery figures for the last window (default 24h), per sending domain and source IP',
      query: z.strictObject({ window: windowSchema.prefault('24h'), domain: z.string().max(253).optional() }),
      responses: { 200: ['figures'] },
      handler: ({ query }) => {
        const until = Date.now();
        const report = computeStats(ctx.db, { since: until - query.window, until, ...(query.domain ? { domain: query.domain } : {}) });
        return { ...report, since: new Date(report.since).toISOString(), until: new Date(report.until).toISOString() };
      },
    }),
  ];
}
