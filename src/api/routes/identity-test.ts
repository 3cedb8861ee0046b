// POST /v1/identities/:name/test: log in to an identity's relay (connect, EHLO, STARTTLS, AUTH, QUIT)
// and its IMAP mailbox as `petrel identity test` does; the steps with their replies and a fix for the
// first failure. An mta identity without IMAP is a 422; credentials never appear in the transcript.
import { z } from 'zod';
import { checkIdentity } from '../../identities/identity-check.js';
import { IdentityStore } from '../../identities/store.js';
import { readSecretKey } from '../../store/seal.js';
import { secretKeyPath } from '../../store/paths.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { nameParams } from './identity-schemas.js';

const step = z.object({ step: z.string(), ok: z.boolean(), replies: z.array(z.string()), fix: z.string().optional() });
const report = z.object({ ok: z.boolean(), steps: z.array(step), transcript: z.array(z.object({ dir: z.enum(['C', 'S', 'info']), text: z.string() })) });

export function identityTestRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'POST', url: '/v1/identities/:name/test', scope: 'admin', tag: 'identities',
      summary: "Log in to an identity's relay and IMAP mailbox: each step's replies, and a fix for the first that fails",
      params: nameParams,
      responses: { 200: ['the probe (ok is false when a step failed)', report], 404: ['no such identity'], 422: ['an mta identity without IMAP: nothing to log in to'] },
      handler: async ({ params }) => {
        const store = new IdentityStore(ctx.db, readSecretKey(secretKeyPath(ctx.config)));
        const identity = store.get(params.name);
        if (!identity) throw notFound(`identity ${params.name}`);
        const r = await checkIdentity(store, identity, ctx.config);
        if (!r) throw new ApiError(422, 'no_relay', `identity ${params.name} sends by MX and has no IMAP mailbox: there is nothing to log in to`, 'params.name');
        return { ok: r.ok, steps: r.steps.map((s) => ({ step: s.step, ok: s.ok, replies: s.replies, ...(s.fix ? { fix: s.fix } : {}) })), transcript: r.transcript.map((t) => ({ dir: t.dir, text: t.text })) };
      },
    }),
  ];
}
