// /v1/suppressions: the suppression list, through SuppressionStore as `petrel suppress` uses it.
// Bad addresses, scopes and times are 400s naming the field; removing an absent entry is a 404.
import { z } from 'zod';
import { EventStore } from '../../events/store.js';
import {
  requireScope, requireSuppressionAddress, SUPPRESSION_REASONS, SuppressionStore, unsubscribedEvent, type SuppressionEntry,
} from '../../suppression/store.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, iso, listOf, page, pageQuery, storeCall } from './admin-common.js';

const TAG = 'suppressions';
const scopeField = z.string().max(253).describe('a sending domain; "" or absent: the global entry');

const listQuery = z.strictObject({
  scope: scopeField.optional().describe('only entries of this scope ("" for the global ones)'),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  search: z.string().max(320).optional().describe('substring of the address or the detail'),
  ...pageQuery,
});
const addBody = z.strictObject({
  address: z.string().min(1).max(320),
  scope: scopeField.optional(),
  reason: z.enum(SUPPRESSION_REASONS).default('manual'),
  note: z.string().max(1000).optional().describe('kept as the entry\'s detail'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('manual entries only: lift it at this time'),
});
const addressParams = z.strictObject({ address: z.string().min(1).max(320) });
const scopeQuery = z.strictObject({ scope: scopeField.optional() });

const entryView = z.object({
  address: z.string(),
  scope: z.string().describe('"" for the global entry'),
  reason: z.enum(SUPPRESSION_REASONS),
  detail: z.string().nullable().describe('the note, or the bounce reason'),
  sourceMessage: z.string().nullable().describe('queue id of the message that caused it'),
  createdAt: z.string(),
  expiresAt: z.string().nullable().describe('null: permanent'),
});
const addedView = entryView.extend({
  outcome: z.enum(['added', 'updated', 'kept']).describe('kept: a live permanent entry is never weakened'),
});
const cursorShape = z.tuple([z.string(), z.string()]);

const view = (e: SuppressionEntry): z.infer<typeof entryView> => ({ ...e, createdAt: iso(e.createdAt)!, expiresAt: iso(e.expiresAt) });

/** The expiry in ms: only manual entries expire, and only in the future (as in the CLI). */
function expiryOf(body: z.infer<typeof addBody>, now: number): number | null {
  if (body.expiresAt === undefined) return null;
  const fail = (why: string) => new ApiError(400, 'invalid_request', `body.expiresAt: ${why}`, 'body.expiresAt');
  if (body.reason !== 'manual') throw fail(`${body.reason} entries are permanent; only manual ones expire`);
  const at = Date.parse(body.expiresAt);
  if (at <= now) throw fail('that time has passed');
  return at;
}

export function suppressionRoutes(ctx: ApiContext) {
  const store = new SuppressionStore(ctx.db);
  const events = new EventStore(ctx.db);
  const addTx = ctx.db.transaction((body: z.infer<typeof addBody>, address: string, scope: string, now: number) => {
    const result = store.add({ address, scope, reason: body.reason, detail: body.note, expiresAt: expiryOf(body, now), at: now }, now);
    if (body.reason === 'unsubscribe') events.append([unsubscribedEvent(result.entry, now, 'api')]);
    return result;
  });

  return [
    route({
      method: 'GET', url: '/v1/suppressions', scope: 'read', tag: TAG, summary: 'List suppressed addresses (by address, then scope)',
      query: listQuery,
      responses: { 200: ['entries, expired ones included', listOf(entryView)] },
      handler: ({ query }) => {
        const [afterAddress, afterScope] = query.cursor === undefined ? [] : decodeCursor(query.cursor, cursorShape);
        const scope = query.scope === undefined ? undefined : storeCall(() => requireScope(query.scope), 'query.scope');
        const entries = store.list({ scope, reason: query.reason, search: query.search, limit: query.limit + 1, afterAddress, afterScope });
        const { data, nextCursor } = page(entries, query.limit, (e) => [e.address, e.scope]);
        return { data: data.map(view), nextCursor };
      },
    }),
    route({
      method: 'POST', url: '/v1/suppressions', scope: 'admin', tag: TAG,
      summary: 'Suppress an address (globally or for one sending domain); unsubscribe also records an unsubscribed event',
      body: addBody,
      responses: { 201: ['added', addedView], 200: ['an entry existed: updated or kept', addedView], 400: ['bad address, scope or time'] },
      handler: ({ body, reply }) => {
        const address = storeCall(() => requireSuppressionAddress(body.address), 'body.address');
        const scope = storeCall(() => requireScope(body.scope), 'body.scope');
        const { entry, outcome } = addTx(body, address, scope, Date.now());
        void reply.code(outcome === 'added' ? 201 : 200);
        return { ...view(entry), outcome };
      },
    }),
    route({
      method: 'DELETE', url: '/v1/suppressions/:address', scope: 'admin', tag: TAG,
      summary: 'Lift the suppression of an address (the global entry, or the one of ?scope=)',
      params: addressParams,
      query: scopeQuery,
      responses: { 204: deleted, 404: ['the address is not suppressed in that scope'] },
      handler: ({ params, query, reply }) => {
        const address = storeCall(() => requireSuppressionAddress(params.address), 'params.address');
        const scope = storeCall(() => requireScope(query.scope), 'query.scope');
        if (!store.remove(address, scope)) throw notFound(`suppression of ${address}${scope ? ` for ${scope}` : ''}`);
        return reply.code(204).send();
      },
    }),
  ];
}
