// /v1/campaigns/:name/{start,pause,resume,stop,preflight,preview,contacts}. Start runs the preflight
// and refuses with 422 preflight_failed (the report in error.preflight) unless forced; a change the
// state does not allow is a 409; an unknown campaign or contact is a 404.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CampaignControl } from '../../campaigns/control.js';
import type { PreflightReport } from '../../campaigns/preflight.js';
import { previewStep } from '../../campaigns/preview.js';
import { campaignStatus } from '../../campaigns/status.js';
import { CampaignStore } from '../../campaigns/store.js';
import { unsubscribeBaseUrl, unsubscribeDomain } from '../../app/campaigns.js';
import { runPreflight } from '../../app/preflight.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { route } from '../route.js';
import { iso } from './admin-common.js';
import { campaignCall, campaignClock, requireCampaign } from './campaign-common.js';
import {
  actionView, asPreflightView, asPreviewView, campaignParams, contactsQuery, contactView, preflightFailure, preflightView,
  previewQuery, previewView, startBody,
} from './campaign-schemas.js';
import { z } from 'zod';

const TAG = 'campaigns';

/** The port this server listens on (the default unsubscribe URL names it; config may say 0). */
function portOf(request: FastifyRequest): number | null {
  const address = request.server.server.address();
  return typeof address === 'object' && address ? address.port : null;
}

/** 422 with the API's error shape, the report under error.preflight. */
function preflightFailed(reply: FastifyReply, report: PreflightReport) {
  const failed = report.items.filter((i) => i.status === 'fail').map((i) => `${i.check}: ${i.message}`);
  const message = `preflight failed (${failed.join('; ')}); fix it, or start with {"force": true}`;
  return reply.code(422).send({ error: { code: 'preflight_failed', message, preflight: report } });
}

export function campaignActionRoutes(ctx: ApiContext) {
  const clock = campaignClock(ctx);
  const control = new CampaignControl(ctx.db);
  const preflightOf = (name: string, request: FastifyRequest) =>
    runPreflight(ctx.config, ctx.db, requireCampaign(ctx.db, name).definition, clock(), portOf(request));
  const status = (name: string) => campaignStatus(ctx.db, name);
  const changed = <T>(f: () => T): T => {
    const result = campaignCall(f);
    ctx.campaigns?.wake();
    ctx.wakeDelivery();
    return result;
  };

  return [
    route({
      method: 'POST', url: '/v1/campaigns/:name/start', scope: 'admin', tag: TAG, summary: 'Run the preflight, then start (draft → running; the list\'s members join)',
      params: campaignParams,
      body: startBody,
      responses: {
        200: ['started', z.object({ status: actionView.shape.status, preflight: preflightView })],
        404: ['no such campaign'], 409: ['it is not a draft'],
        422: ['the preflight failed and force was not given: the report is in error.preflight', preflightFailure],
      },
      handler: async ({ params, body, request, reply }) => {
        const c = requireCampaign(ctx.db, params.name);
        if (c.state !== 'draft') throw new ApiError(409, 'conflict', `cannot start campaign ${c.name}: it is ${c.state}${c.state === 'paused' ? ' (resume it)' : ''}`);
        const report = asPreflightView(await preflightOf(c.name, request));
        if (!report.ok && !body.force) return preflightFailed(reply, report);
        changed(() => control.start(c.name, clock()));
        return { status: status(c.name), preflight: report };
      },
    }),
    route({
      method: 'POST', url: '/v1/campaigns/:name/pause', scope: 'admin', tag: TAG, summary: 'Pause (running → paused): its steps waiting in the queue are held',
      params: campaignParams,
      responses: { 200: ['paused', actionView], 404: ['no such campaign'], 409: ['it is not running'] },
      handler: ({ params }) => {
        const held = changed(() => control.pause(params.name, clock()));
        return { status: status(params.name), held };
      },
    }),
    route({
      method: 'POST', url: '/v1/campaigns/:name/resume', scope: 'admin', tag: TAG, summary: 'Resume (paused → running): held steps go back to the queue, paused contacts are tried again',
      params: campaignParams,
      responses: { 200: ['running', actionView], 404: ['no such campaign'], 409: ['it is neither paused nor running'] },
      handler: ({ params }) => {
        const r = changed(() => control.resume(params.name, clock()));
        return { status: status(params.name), released: r.released, contacts: r.contacts };
      },
    }),
    route({
      method: 'POST', url: '/v1/campaigns/:name/stop', scope: 'admin', tag: TAG, summary: 'Stop for good: open contacts stop, queued steps are cancelled',
      params: campaignParams,
      responses: { 200: ['stopped', actionView], 404: ['no such campaign'], 409: ['it is stopped or finished already'] },
      handler: ({ params }) => {
        const stopped = changed(() => control.stop(params.name, clock()));
        return { status: status(params.name), contacts: stopped };
      },
    }),
    route({
      method: 'GET', url: '/v1/campaigns/:name/preflight', scope: 'read', tag: TAG, summary: 'The preflight checklist (identities, DNS authentication, unsubscribe, list, templates, links, tracking, capacity)',
      params: campaignParams,
      responses: { 200: ['the report, whether or not it passes', preflightView], 404: ['no such campaign'] },
      handler: async ({ params, request }) => asPreflightView(await preflightOf(params.name, request)),
    }),
    route({
      method: 'GET', url: '/v1/campaigns/:name/preview', scope: 'read', tag: TAG, summary: 'What a contact gets for a step: From, subject, threading, bodies with its fields',
      params: campaignParams,
      query: previewQuery,
      responses: { 200: ['the preview; ok false with missing[] when a field has no value and no fallback', previewView], 400: ['a step the campaign does not have'], 404: ['no such campaign or contact'] },
      handler: ({ params, query, request }) => {
        requireCampaign(ctx.db, params.name);
        const unsubscribe = { baseUrl: unsubscribeBaseUrl(ctx.config, portOf(request)), domain: unsubscribeDomain(ctx.config) };
        return asPreviewView(campaignCall(() => previewStep(ctx.db, params.name, query.contact, unsubscribe, query.step), 'query.step'));
      },
    }),
    route({
      method: 'GET', url: '/v1/campaigns/:name/contacts', scope: 'read', tag: TAG, summary: 'Contacts of a campaign with their state, step, next due time and reason, latest change first',
      params: campaignParams,
      query: contactsQuery,
      responses: { 200: ['contacts', z.object({ data: z.array(contactView) })], 404: ['no such campaign'] },
      handler: ({ params, query }) => {
        requireCampaign(ctx.db, params.name);
        const rows = new CampaignStore(ctx.db).contacts(params.name, { ...(query.state ? { state: query.state } : {}), limit: query.limit });
        return {
          data: rows.map((r) => ({
            email: r.email, state: r.state, step: r.step, nextAt: iso(r.nextAt), identity: r.identity,
            startedAt: iso(r.startedAt), lastSentAt: iso(r.lastSentAt), reason: r.reason,
          })),
        };
      },
    }),
  ];
}
