// GET /v1/events: the event log in id order, filtered by type, time, message, recipient and sending
// domain. The cursor is the last event id returned (opaque), so polling with it is a tail.
import { z } from 'zod';
import { toPublicEvent } from '../../events/json.js';
import { listSharedEvents } from '../../cluster/events.js';
import { EventStore, type EventQuery } from '../../events/store.js';
import { EVENT_TYPES, type EventType } from '../../events/types.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';
import { decodeCursor, encodeCursor, pageQuery } from './admin-common.js';

const typeList = z
  .string()
  .max(1000)
  .transform((text, ctx) => {
    const types = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const unknown = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `unknown event type "${unknown.slice(0, 40)}" (one of ${EVENT_TYPES.join(', ')})` });
    return types as EventType[];
  });

export const eventsQuery = z.strictObject({
  type: typeList.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  messageId: z.string().max(64).optional(),
  recipient: z.string().max(320).optional(),
  domain: z.string().max(253).optional(),
  ...pageQuery,
});

export function eventRoutes(ctx: ApiContext) {
  const store = new EventStore(ctx.db);
  // In cluster mode the global stream in PostgreSQL, so every node lists the same events in one order.
  const shared = ctx.cluster?.shared;
  const read = (q: EventQuery) => (shared ? listSharedEvents(shared, q) : store.list(q));
  return [
    route({
      method: 'GET', url: '/v1/events', scope: 'read', tag: 'events',
      summary: 'Events, oldest first; nextCursor follows the last one returned (poll with it to tail; empty data: caught up)',
      query: eventsQuery,
      responses: { 200: ['a page of events'] },
      handler: async ({ query }) => {
        const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor, z.number().int().nonnegative());
        const events = await read({
          ...(afterId !== undefined ? { afterId } : {}),
          ...(query.since !== undefined ? { since: Date.parse(query.since) } : {}),
          ...(query.type ? { types: query.type } : {}),
          ...(query.messageId !== undefined ? { messageId: query.messageId } : {}),
          ...(query.recipient !== undefined ? { recipient: query.recipient } : {}),
          ...(query.domain !== undefined ? { sendingDomain: query.domain } : {}),
          limit: query.limit,
        });
        const last = events.at(-1);
        const nextCursor = last ? encodeCursor(last.id) : (query.cursor ?? null);
        return { data: events.map(toPublicEvent), nextCursor };
      },
    }),
  ];
}
