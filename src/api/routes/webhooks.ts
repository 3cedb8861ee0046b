// /v1/webhooks: endpoints that receive events by signed POST, as `petrel webhook` manages them. The
// secret is returned once, at creation; config-file endpoints are read-only here (409).
import { z } from 'zod';
import { EVENT_TYPES } from '../../events/types.js';
import { createWebhook, requireHttpUrl, sharedWebhookView, testWebhook, WebhookAdminError, webhookView } from '../../webhooks/admin.js';
import { WebhookStore, type Webhook } from '../../webhooks/store.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, iso, listOf, page, pageQuery } from './admin-common.js';

const TAG = 'webhooks';

const isHttpUrl = (text: string) => {
  try {
    requireHttpUrl(text);
    return true;
  } catch {
    return false;
  }
};
const url = z.string().max(2048).refine(isHttpUrl, 'must be an http or https URL');
const events = z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).describe('event types to send; empty: all');

const idParams = z.strictObject({ id: z.string().min(1).max(64) });
const listQuery = z.strictObject(pageQuery);
const addBody = z.strictObject({
  url,
  events: events.default([]),
  fromStart: z.boolean().default(false).describe('send every stored event, not only those from now on'),
});
const patchBody = z.strictObject({ url: url.optional(), events: events.optional() });

const webhookView$ = z.object({
  id: z.string(),
  url: z.string(),
  origin: z.enum(['cli', 'api', 'config']),
  events: z.array(z.string()),
  createdAt: z.string(),
  cursor: z.number().describe('id of the last event handled'),
  backlog: z.number().describe('events after the cursor that it wants'),
  failures: z.number(),
  failingSince: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  holder: z.string().nullable().optional().describe('cluster mode: the node sending to it now (null: none); cursor and backlog are PostgreSQL\'s'),
});
const createdView = webhookView$.extend({ secret: z.string().describe('the signing secret: shown once') });
const testView = z.object({
  status: z.number().nullable().describe('the HTTP status; null when there was no answer'),
  ok: z.boolean().describe('a 2xx answer'),
  error: z.string().optional(),
});
const cursorShape = z.tuple([z.number(), z.string()]);

export function webhookRoutes(ctx: ApiContext) {
  const store = new WebhookStore(ctx.db);
  // Cluster mode: cursor, backlog and holder from PostgreSQL, not the local columns.
  const view = async (w: Webhook) => {
    const v = ctx.cluster ? await sharedWebhookView(ctx.cluster.shared, w) : webhookView(w, store.backlog(w));
    return { ...v, createdAt: iso(w.createdAt)! };
  };
  const found = (id: string): Webhook => {
    const w = store.get(id);
    if (w === null) throw notFound(`webhook ${id}`);
    return w;
  };
  const changeable = (id: string) => {
    const w = found(id);
    if (w.origin === 'config') throw new ApiError(409, 'conflict', `webhook ${id} comes from the config file (webhooks.endpoints): change it there`);
    return w;
  };

  return [
    route({
      method: 'GET', url: '/v1/webhooks', scope: 'admin', tag: TAG, summary: 'List endpoints with their cursor, backlog and failure state',
      query: listQuery,
      responses: { 200: ['endpoints, oldest first (never their secrets)', listOf(webhookView$)] },
      handler: async ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, cursorShape);
        const all = store.all().filter((w) => after === null || w.createdAt > after[0] || (w.createdAt === after[0] && w.id > after[1]));
        const { data, nextCursor } = page(all, query.limit, (w) => [w.createdAt, w.id]);
        return { data: await Promise.all(data.map(view)), nextCursor };
      },
    }),
    route({
      method: 'POST', url: '/v1/webhooks', scope: 'admin', tag: TAG, summary: 'Add an endpoint; its signing secret is returned once',
      body: addBody,
      responses: { 201: ['added', createdView], 400: ['bad URL or event type'] },
      handler: async ({ body, reply }) => {
        const { id, secret } = createWebhook(ctx.config, ctx.db, { ...body, origin: 'api' });
        void reply.code(201);
        return { ...(await view(found(id))), secret };
      },
    }),
    route({
      method: 'PATCH', url: '/v1/webhooks/:id', scope: 'admin', tag: TAG, summary: 'Change the URL or the event types (the cursor stays)',
      params: idParams,
      body: patchBody,
      responses: { 200: ['changed', webhookView$], 404: ['no such endpoint'], 409: ['a config-file endpoint'] },
      handler: ({ params, body }) => {
        changeable(params.id);
        ctx.db.transaction(() => {
          if (body.url !== undefined) store.setUrl(params.id, requireHttpUrl(body.url));
          if (body.events !== undefined) store.setEvents(params.id, body.events);
        })();
        return view(found(params.id));
      },
    }),
    route({
      method: 'DELETE', url: '/v1/webhooks/:id', scope: 'admin', tag: TAG, summary: 'Remove an endpoint',
      params: idParams,
      responses: { 204: deleted, 404: ['no such endpoint'], 409: ['a config-file endpoint'] },
      handler: ({ params, reply }) => {
        changeable(params.id);
        store.remove(params.id);
        return reply.code(204).send();
      },
    }),
    route({
      method: 'POST', url: '/v1/webhooks/:id/test', scope: 'admin', tag: TAG,
      summary: 'Send one signed synthetic "test" event and report the answer',
      params: idParams,
      responses: { 200: ['what the endpoint answered', testView], 404: ['no such endpoint'], 409: ['its secret is unavailable'] },
      handler: async ({ params }) => {
        try {
          const outcome = await testWebhook(ctx.config, found(params.id));
          return outcome.ok ? outcome : { status: outcome.status, ok: false, error: outcome.error };
        } catch (err) {
          if (err instanceof WebhookAdminError) throw new ApiError(409, 'conflict', err.message);
          throw err;
        }
      },
    }),
  ];
}
