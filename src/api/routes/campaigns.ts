// /v1/campaigns: campaigns as campaign.yaml describes them (the body is that file as JSON): list, create,
// replace, show, status, delete. A bad body is a 400 naming its first path (all issues in the message),
// a duplicate or a delete while it runs 409, unknown names 404. Start, pause, ... are in campaign-actions.ts.
import { z } from 'zod';
import { campaignStatus } from '../../campaigns/status.js';
import { CampaignControl } from '../../campaigns/control.js';
import { CampaignStore } from '../../campaigns/store.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { campaignActionRoutes } from './campaign-actions.js';
import { campaignCall, campaignClock, detailOf, requireCampaign, summaryOf } from './campaign-common.js';
import { asStatusView, campaignBody, campaignParams, detailView, statusView, summaryView } from './campaign-schemas.js';
import { decodeCursor, deleted, listOf, page, pageQuery } from './admin-common.js';

const TAG = 'campaigns';
/** States a campaign may be deleted in: nothing of it is queued or due any more. */
const DELETABLE = ['draft', 'stopped', 'finished'];

/** PUT's body may leave out the name (the URL's); a different one is a 400 at body.name. */
function withName(body: unknown, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const given = (body as { name?: unknown }).name;
  if (given === undefined) return { ...body, name };
  if (given !== name) throw new ApiError(400, 'invalid_request', `body.name: must be ${name} (the name in the URL), or left out`, 'body.name');
  return body;
}

export function campaignRoutes(ctx: ApiContext) {
  const clock = campaignClock(ctx);
  const store = new CampaignStore(ctx.db);
  return [
    route({
      method: 'GET', url: '/v1/campaigns', scope: 'read', tag: TAG, summary: 'List campaigns with state, list, sender, contacts by state and steps sent',
      query: z.strictObject(pageQuery),
      responses: { 200: ['campaigns by name', listOf(summaryView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, z.string());
        const all = store.list().sort((a, b) => (a.name < b.name ? -1 : 1)).filter((c) => after === null || c.name > after);
        const { data, nextCursor } = page(all, query.limit, (c) => c.name);
        return { data: data.map((c) => summaryOf(ctx.db, c)), nextCursor };
      },
    }),
    route({
      method: 'POST', url: '/v1/campaigns', scope: 'admin', tag: TAG, summary: 'Create a campaign (a draft) from campaign.yaml as JSON',
      body: campaignBody,
      responses: { 201: ['created', detailView], 400: ['not a campaign: the first bad path, every issue in the message'], 409: ['the campaign exists'] },
      handler: ({ body, reply }) => {
        const created = campaignCall(() => store.create(body, clock()));
        void reply.code(201);
        return detailOf(ctx.db, created);
      },
    }),
    route({
      method: 'GET', url: '/v1/campaigns/:name', scope: 'read', tag: TAG, summary: 'One campaign: its definition as given and its status',
      params: campaignParams,
      responses: { 200: ['the campaign', detailView], 404: ['no such campaign'] },
      handler: ({ params }) => detailOf(ctx.db, requireCampaign(ctx.db, params.name)),
    }),
    route({
      method: 'PUT', url: '/v1/campaigns/:name', scope: 'admin', tag: TAG, summary: 'Replace a campaign\'s definition (it may not drop steps already sent)',
      params: campaignParams,
      body: campaignBody,
      responses: { 200: ['replaced', detailView], 400: ['not a campaign, or fewer steps than were sent'], 404: ['no such campaign'] },
      handler: ({ params, body }) => {
        requireCampaign(ctx.db, params.name);
        const replaced = campaignCall(() => store.replace(withName(body, params.name), clock()), 'body.steps');
        ctx.campaigns?.wake();
        return detailOf(ctx.db, replaced);
      },
    }),
    route({
      method: 'DELETE', url: '/v1/campaigns/:name', scope: 'admin', tag: TAG, summary: 'Remove a draft, stopped or finished campaign and its contacts\' places in it',
      params: campaignParams,
      responses: { 204: deleted, 404: ['no such campaign'], 409: ['it is running or paused: stop it first'] },
      handler: ({ params, reply }) => {
        const c = requireCampaign(ctx.db, params.name);
        if (!DELETABLE.includes(c.state)) throw new ApiError(409, 'conflict', `cannot delete campaign ${c.name}: it is ${c.state} (stop it first)`);
        new CampaignControl(ctx.db).remove(c.name);
        return reply.code(204).send();
      },
    }),
    route({
      method: 'GET', url: '/v1/campaigns/:name/status', scope: 'read', tag: TAG, summary: 'Per step and variant: sent, delivered, bounced, replied, unsubscribed, complained; contacts by state',
      params: campaignParams,
      responses: { 200: ['the status (as `petrel campaign status --json`)', statusView], 404: ['no such campaign'] },
      handler: ({ params }) => asStatusView(campaignCall(() => campaignStatus(ctx.db, params.name))),
    }),
    ...campaignActionRoutes(ctx),
  ];
}
