// /v1/shaping/actions: the throttles and suspensions automation rules set, with the replies that
// triggered them, and ending one early. An id that is not in force is a 404.
import { z } from 'zod';
import { clearShapingAction } from '../../identities/release.js';
import { ShapingActionStore, type ShapingAction } from '../../pacing/actions.js';
import { processClock } from '../../util/clock.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { route } from '../route.js';
import { iso } from './admin-common.js';
import { shapingActionView } from './identity-schemas.js';

const TAG = 'shaping';

const replyOf = (a: ShapingAction) => (a.code === null ? null : [a.code, a.enhanced, a.text].filter((x) => x !== null && x !== '').join(' '));

const view = (a: ShapingAction): z.infer<typeof shapingActionView> => ({
  id: a.id, rule: a.rule, action: a.kind, scope: a.scope, provider: a.provider, rate: a.rate, factor: a.factor,
  identity: a.identity, messageId: a.messageId, reply: replyOf(a), startedAt: iso(a.startedAt)!, endsAt: iso(a.endsAt)!,
});

export function shapingRoutes(ctx: ApiContext) {
  const clock = processClock();
  const actions = new ShapingActionStore(ctx.db);
  return [
    route({
      method: 'GET', url: '/v1/shaping/actions', scope: 'read', tag: TAG, summary: 'Shaping actions in force, oldest first, with the replies that triggered them',
      responses: { 200: ['actions in force', z.object({ data: z.array(shapingActionView) })] },
      handler: () => ({ data: actions.inForce(clock()).map(view) }),
    }),
    route({
      method: 'DELETE', url: '/v1/shaping/actions/:id', scope: 'admin', tag: TAG, summary: 'End an action now; the mail it held is due again',
      params: z.strictObject({ id: z.coerce.number().int().min(1).describe('the action\'s id') }),
      responses: { 200: ['ended', z.object({ id: z.number(), released: z.number().int().describe('recipients that were waiting, now due') })], 404: ['no such action in force'] },
      handler: ({ params }) => {
        const released = clearShapingAction(ctx.db, params.id, clock());
        if (released === null) throw notFound(`shaping action ${params.id} in force`);
        ctx.wakeDelivery();
        return { id: params.id, released };
      },
    }),
  ];
}
