// /v1/placement: the placement tests `petrel placement test` ran (newest first) and one test's
// per-seed results (inbox, spam, missing, pending) with the Authentication-Results the seeds saw.
import { z } from 'zod';
import { reportOf, type PlacementReport } from '../../placement/report.js';
import { PlacementStore, type PlacementTest } from '../../placement/store.js';
import type { ApiContext } from '../context.js';
import { notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, iso, listOf, page, pageQuery } from './admin-common.js';

const TAG = 'placement';
const RESULTS = ['inbox', 'spam', 'missing', 'pending'] as const;

const summary = z.object({
  total: z.number().int(), inbox: z.number().int(), spam: z.number().int(), missing: z.number().int(), pending: z.number().int(),
});

const testView = z.object({
  id: z.string(),
  identity: z.string().describe('the identity tested'),
  seeds: z.string().describe('the seed pool'),
  subject: z.string(),
  state: z.enum(['running', 'finished', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  summary: summary.describe('how many seeds saw it in the inbox, in spam, not at all, not yet'),
});

const resultView = z.object({
  seed: z.string().describe('the seed identity'),
  address: z.string(),
  result: z.enum(RESULTS),
  folder: z.string().nullable().describe('the folder the copy was found in'),
  spf: z.string().nullable().describe('from the topmost Authentication-Results of the copy'),
  dkim: z.string().nullable(),
  dmarc: z.string().nullable(),
  authResults: z.string().nullable().describe('that Authentication-Results field, unfolded'),
  arrivedAt: z.string().nullable(),
  messageId: z.string().nullable().describe('the queue id of the test message'),
});

const detailView = testView.extend({ results: z.array(resultView) });

const viewOf = (r: PlacementReport): z.infer<typeof testView> => ({
  id: r.id, identity: r.identity, seeds: r.seeds, subject: r.subject, state: r.state,
  startedAt: iso(r.startedAt)!, finishedAt: iso(r.finishedAt), summary: r.summary,
});

export function placementRoutes(ctx: ApiContext) {
  const store = new PlacementStore(ctx.db);
  const reportFor = (t: PlacementTest) => reportOf(t, store.results(t.id));

  return [
    route({
      method: 'GET', url: '/v1/placement', scope: 'read', tag: TAG, summary: 'List placement tests, newest first',
      query: z.strictObject(pageQuery),
      responses: { 200: ['placement tests with their summaries', listOf(testView)] },
      handler: ({ query }) => {
        const before = query.cursor === undefined ? null : decodeCursor(query.cursor, z.tuple([z.number(), z.string()]));
        const { data, nextCursor } = page(store.list(query.limit + 1, before), query.limit, (t) => [t.startedAt, t.id]);
        return { data: data.map((t) => viewOf(reportFor(t))), nextCursor };
      },
    }),
    route({
      method: 'GET', url: '/v1/placement/:id', scope: 'read', tag: TAG, summary: 'One placement test, seed by seed',
      params: z.strictObject({ id: z.string().min(1).max(64).describe('the test id') }),
      responses: { 200: ['the test and its per-seed results', detailView], 404: ['no such test'] },
      handler: ({ params }) => {
        const test = store.get(params.id);
        if (!test) throw notFound(`placement test ${params.id}`);
        const r = reportFor(test);
        return { ...viewOf(r), results: r.results.map((s) => ({ ...s, arrivedAt: iso(s.arrivedAt) })) };
      },
    }),
  ];
}
