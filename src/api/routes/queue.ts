// Operator actions on one message (scope admin): retry, hold, release, bounce, delete, each one SQLite
// transaction in queue/control.ts answering how many recipients changed; 404 for an unknown id. In
// cluster mode an action on a message in another node's queue is relayed there (cluster/forward.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { answerFromHolder } from '../../cluster/forward.js';
import { bounceNow, deleteMessage, hold, release, retryNow } from '../../queue/control.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { route } from '../route.js';
import { messageIdParams } from './messages.js';

const changed = z.object({ id: z.string(), changed: z.number().int() });

/** action → [summary, what it does, does delivery need waking]. */
const ACTIONS = {
  retry: ['Make its queued and deferred recipients due now', retryNow, true],
  hold: ['Hold its queued and deferred recipients (never attempted until released)', hold, false],
  release: ['Queue its held recipients again, due now', release, true],
  bounce: ['Bounce its pending recipients now (554 5.3.0) with a DSN to the sender', bounceNow, false],
} as const;

export function queueRoutes(ctx: ApiContext) {
  const act = async (id: string, changes: number | null, wake: boolean, request: FastifyRequest, reply: FastifyReply) => {
    if (changes === null && (await answerFromHolder(ctx.cluster, request, reply, id))) return reply;
    if (changes === null) throw notFound(`message ${id}`);
    if (wake) ctx.wakeDelivery();
    return { id, changed: changes };
  };
  return [
    ...Object.entries(ACTIONS).map(([name, [summary, action, wake]]) =>
      route({
        method: 'POST', url: `/v1/messages/:id/${name}`, scope: 'admin', tag: 'queue', summary,
        params: messageIdParams,
        responses: { 200: ['how many recipients changed', changed], 404: ['unknown id'] },
        handler: ({ params, request, reply }) => act(params.id, action(ctx.db, params.id), wake, request, reply),
      }),
    ),
    route({
      method: 'DELETE', url: '/v1/messages/:id', scope: 'admin', tag: 'queue',
      summary: 'Delete the message, its recipients, attempts and body (no DSN); changed = its recipients',
      params: messageIdParams,
      responses: { 200: ['deleted', changed], 404: ['unknown id'] },
      handler: ({ params, request, reply }) => act(params.id, deleteMessage(ctx.db, ctx.config.dataDir, params.id), false, request, reply),
    }),
  ];
}
