// /v1/warmup: the warm-up network's figures per identity over 7 days (docs/warmup-network.md).
import { z } from 'zod';
import { processClock } from '../../util/clock.js';
import { networkFigures } from '../../warmup-network/figures.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';

const figuresView = z.object({
  identity: z.string(),
  sent: z.number().int().describe('warm-up mail it queued (originals and answers)'),
  received: z.number().int().describe('warm-up mail that arrived in its mailbox'),
  inbox: z.number().int().describe('its warm-up mail that landed in an inbox'),
  spam: z.number().int().describe('its warm-up mail that landed in Junk/Spam'),
  inboxRate: z.number().nullable().describe('inbox / (inbox + spam); null before any placement'),
  rescues: z.number().int().describe('warm-up mail its mailbox moved from Junk to INBOX'),
});

export function warmupRoutes(ctx: ApiContext) {
  const clock = processClock();
  return [
    route({
      method: 'GET', url: '/v1/warmup', scope: 'read', tag: 'warmup', summary: 'Warm-up network figures per identity over 7 days',
      responses: { 200: ['figures per identity of the network', z.object({ days: z.literal(7), data: z.array(figuresView) })] },
      handler: () => ({ days: 7 as const, data: networkFigures(ctx.db, clock()) }),
    }),
  ];
}
