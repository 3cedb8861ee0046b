// /v1/identities: sending identities as `petrel identity` manages them (add, list, show, set, pause,
// resume, remove); relay secrets are write-only. Bad fields are 400s naming them, duplicates 409, unknown names 404.
import { z } from 'zod';
import { pauseIdentity, resumeIdentity } from '../../identities/control.js';
import { buildIdentity } from '../../identities/create.js';
import { removeIdentity } from '../../identities/release.js';
import { IdentityStore } from '../../identities/store.js';
import type { Identity } from '../../identities/types.js';
import { mergeIdentity } from '../../identities/update.js';
import { identityViews } from '../../identities/view.js';
import { StoreError } from '../../store/errors.js';
import { secretKeyPath } from '../../store/paths.js';
import { loadOrCreateSecretKey } from '../../store/seal.js';
import { processClock } from '../../util/clock.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, deleted, listOf, page, pageQuery, storeCall } from './admin-common.js';
import { asIdentityView, identityBody, identityPatchBody, identityView, nameParams, pauseBody, type IdentityBody } from './identity-schemas.js';

const TAG = 'identities';

/** `--relay-host` → `relayHost`; `--relay-*` → `relay*`. */
const fieldOf = (flag: string) => flag.replace(/-([a-z*])/g, (_, c: string) => c.toUpperCase());

/**
 * buildIdentity speaks in CLI flags; the API names fields. The path is the field a "needs --x" message
 * asks for, else the first flag named (relay fields given to an mta identity: body.via).
 */
export function createError(err: StoreError): ApiError {
  const flags = [...err.message.matchAll(/--([a-z][a-z*-]*)/g)].map((m) => fieldOf(m[1]!));
  const needed = /needs --([a-z][a-z-]*)/.exec(err.message)?.[1];
  const field = needed ? fieldOf(needed) : err.message.startsWith('identity name') ? 'name' : flags[0] ?? '';
  const path = ['body', field === 'relay*' ? 'via' : field].filter(Boolean).join('.');
  const message = err.message.replace(/--([a-z][a-z*-]*)/g, (_, f: string) => fieldOf(f));
  return new ApiError(400, 'invalid_request', `${path}: ${message}`, path);
}

function inputOf(body: IdentityBody) {
  const { oauth, ...rest } = body;
  return { ...rest, ...(oauth ? { oauth } : {}) };
}

export function identityRoutes(ctx: ApiContext) {
  const clock = processClock();
  let key: Buffer | null = null;
  const secretKey = () => (key ??= loadOrCreateSecretKey(secretKeyPath(ctx.config)));
  const viewsOf = (list: readonly Identity[]) => identityViews(ctx.db, list, clock()).map(asIdentityView);
  const found = (name: string): Identity => {
    const identity = new IdentityStore(ctx.db).get(name);
    if (!identity) throw notFound(`identity ${name}`);
    return identity;
  };
  const viewOf = (name: string) => viewsOf([found(name)])[0]!;

  return [
    route({
      method: 'GET', url: '/v1/identities', scope: 'read', tag: TAG, summary: 'List identities with state, today\'s sends against the cap, warm-up and rates',
      query: z.strictObject(pageQuery),
      responses: { 200: ['identities by name', listOf(identityView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, z.string());
        const all = new IdentityStore(ctx.db).list().filter((i) => after === null || i.name > after);
        const { data, nextCursor } = page(all, query.limit, (i) => i.name);
        return { data: viewsOf(data), nextCursor };
      },
    }),
    route({
      method: 'GET', url: '/v1/identities/:name', scope: 'read', tag: TAG, summary: 'One identity, with the shaping actions that concern it',
      params: nameParams,
      responses: { 200: ['the identity', identityView], 404: ['no such identity'] },
      handler: ({ params }) => viewOf(params.name),
    }),
    route({
      method: 'POST', url: '/v1/identities', scope: 'admin', tag: TAG, summary: 'Add an identity (relay secrets are stored sealed, never returned)',
      body: identityBody,
      responses: { 201: ['added', identityView], 400: ['a bad field, or fields that do not go together'], 409: ['the identity exists'] },
      handler: ({ body, reply }) => {
        let identity;
        try {
          identity = buildIdentity(inputOf(body));
        } catch (err) {
          throw err instanceof StoreError && err.code === 'invalid' ? createError(err) : err;
        }
        if (identity.source && !ctx.config.delivery.sources.some((s) => s.address === identity.source)) {
          ctx.log.warn({ event: 'identity-source', identity: identity.name, source: identity.source }, 'identity source is not in delivery.sources: its EHLO name is the hostname');
        }
        const added = storeCall(() => new IdentityStore(ctx.db, identity.secret ? secretKey() : null).add(identity, clock()), 'body.name');
        void reply.code(201);
        return viewsOf([added])[0]!;
      },
    }),
    route({
      method: 'PATCH', url: '/v1/identities/:name', scope: 'admin', tag: TAG, summary: 'Change any field of an identity (the POST\'s fields; secrets given replace only those)',
      params: nameParams,
      body: identityPatchBody,
      responses: { 200: ['changed', identityView], 400: ['a bad field, or fields that do not go together'], 404: ['no such identity'] },
      handler: ({ params, body }) => {
        const store = new IdentityStore(ctx.db, secretKey());
        const current = found(params.name);
        const before = store.secretOf(params.name);
        let merged;
        try {
          merged = mergeIdentity(current, before, body);
        } catch (err) {
          throw err instanceof StoreError && err.code === 'invalid' ? createError(err) : err;
        }
        store.update(params.name, merged.identity, clock(), JSON.stringify(before) === JSON.stringify(merged.secret) ? undefined : merged.secret);
        ctx.wakeDelivery();
        return viewOf(params.name);
      },
    }),
    route({
      method: 'DELETE', url: '/v1/identities/:name', scope: 'admin', tag: TAG, summary: 'Remove an identity (its pool memberships go; its waiting mail leaves by the default route)',
      params: nameParams,
      responses: { 204: deleted, 404: ['no such identity'] },
      handler: ({ params, reply }) => {
        if (removeIdentity(ctx.db, params.name, clock()) === null) throw notFound(`identity ${params.name}`);
        ctx.wakeDelivery();
        return reply.code(204).send();
      },
    }),
    route({
      method: 'POST', url: '/v1/identities/:name/pause', scope: 'admin', tag: TAG, summary: 'Pause: its mail waits in the queue (nothing is bounced) until resumed',
      params: nameParams,
      body: pauseBody,
      responses: { 200: ['paused', identityView], 404: ['no such identity'] },
      handler: ({ params, body }) => {
        const ok = pauseIdentity(ctx.db, params.name, { reason: body.reason ?? 'paused by the operator', by: 'operator', now: clock() });
        if (!ok) throw notFound(`identity ${params.name}`);
        ctx.wakeDelivery();
        return viewOf(params.name);
      },
    }),
    route({
      method: 'POST', url: '/v1/identities/:name/resume', scope: 'admin', tag: TAG, summary: 'Resume: ends its pause and shaping actions; its waiting mail is due now',
      params: nameParams,
      responses: { 200: ['resumed', z.object({ released: z.number().int().describe('recipients that were waiting, now due') })], 404: ['no such identity'] },
      handler: ({ params }) => {
        const released = resumeIdentity(ctx.db, params.name, clock());
        if (released === null) throw notFound(`identity ${params.name}`);
        ctx.wakeDelivery();
        return { released };
      },
    }),
  ];
}
