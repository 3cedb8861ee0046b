// /v1/pools: weighted sets of identities that API sends rotate over, as `petrel pool` manages them.
// PUT creates or replaces; a member that is no identity is a 422 naming it; unknown pools are 404s.
import { z } from 'zod';
import { IdentityStore } from '../../identities/store.js';
import { PoolStore, type Pool } from '../../identities/pools.js';
import { processClock } from '../../util/clock.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, iso, listOf, page, pageQuery, storeCall } from './admin-common.js';
import { nameParams, poolBody, poolView } from './identity-schemas.js';

const TAG = 'pools';

const view = (p: Pool): z.infer<typeof poolView> => ({ name: p.name, members: p.members, createdAt: iso(p.createdAt)! });

export function poolRoutes(ctx: ApiContext) {
  const clock = processClock();
  const pools = new PoolStore(ctx.db);
  const found = (name: string): Pool => {
    const pool = pools.get(name);
    if (!pool) throw notFound(`pool ${name}`);
    return pool;
  };
  /** Members must be identities: a 422 at the first that is not (the body itself is well-formed). */
  const requireMembers = (members: ReadonlyArray<{ identity: string }>) => {
    const identities = new IdentityStore(ctx.db);
    const missing = members.findIndex((m) => identities.get(m.identity) === null);
    if (missing < 0) return;
    const path = `body.members.${missing}.identity`;
    throw new ApiError(422, 'unknown_identity', `${path}: no identity ${members[missing]!.identity}`, path);
  };

  return [
    route({
      method: 'GET', url: '/v1/pools', scope: 'read', tag: TAG, summary: 'List pools and their members',
      query: z.strictObject(pageQuery),
      responses: { 200: ['pools by name', listOf(poolView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, z.string());
        const all = pools.list().filter((p) => after === null || p.name > after);
        const { data, nextCursor } = page(all, query.limit, (p) => p.name);
        return { data: data.map(view), nextCursor };
      },
    }),
    route({
      method: 'GET', url: '/v1/pools/:name', scope: 'read', tag: TAG, summary: 'One pool',
      params: nameParams,
      responses: { 200: ['the pool', poolView], 404: ['no such pool'] },
      handler: ({ params }) => view(found(params.name)),
    }),
    route({
      method: 'PUT', url: '/v1/pools/:name', scope: 'admin', tag: TAG, summary: 'Create a pool, or replace its members',
      params: nameParams,
      body: poolBody,
      responses: { 200: ['replaced', poolView], 201: ['created', poolView], 400: ['a bad name, weight or a member named twice'], 422: ['a member is no identity'] },
      handler: ({ params, body, reply }) => {
        requireMembers(body.members);
        const existed = pools.get(params.name) !== null;
        const put = storeCall(() => pools.put(params.name, body.members, clock()), 'params.name');
        void reply.code(existed ? 200 : 201);
        return view(put);
      },
    }),
    route({
      method: 'DELETE', url: '/v1/pools/:name', scope: 'admin', tag: TAG, summary: 'Remove a pool (its identities stay)',
      params: nameParams,
      responses: { 204: deleted, 404: ['no such pool'] },
      handler: ({ params, reply }) => {
        if (!pools.remove(params.name)) throw notFound(`pool ${params.name}`);
        return reply.code(204).send();
      },
    }),
  ];
}
