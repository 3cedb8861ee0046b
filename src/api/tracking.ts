// Open and click tracking on Petrel's public HTTP server (campaigns with `tracking` on):
// GET /t/o/TOKEN.gif is always a 43-byte transparent GIF, recording the first open of a valid token;
// GET /t/c/TOKEN?u=URL&s=SIG redirects (302) to URL only when token and sig verify, else a 404 page.
// Nothing a client sends makes these throw; a store failure is logged and the visitor still served.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TrackingLinks } from '../campaigns/tracking-links.js';
import { TrackingStore, type TrackedEvent } from '../campaigns/tracking-store.js';
import type { ApiContext } from './context.js';

/** GIF89a, 1x1, one transparent pixel. */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

const NO_CACHE = { 'cache-control': 'no-store, no-cache, must-revalidate, max-age=0', pragma: 'no-cache', expires: '0' };

interface ClickQuery { u?: unknown; s?: unknown }

export function registerTracking(app: FastifyInstance, ctx: ApiContext): void {
  const c = ctx.campaigns!;
  const links = new TrackingLinks(c.tokens);
  const store = new TrackingStore(ctx.db);
  const record = (event: TrackedEvent, queueId: string) => {
    try {
      const first = event === 'opened' ? store.markOpened(queueId, c.clock()) : store.markClicked(queueId, c.clock());
      if (first) ctx.log.debug({ event: `campaign-${event}`, messageId: queueId }, `campaign message ${event}`);
    } catch (error) {
      ctx.log.error({ event: 'campaign-tracking-failed', messageId: queueId, err: error }, 'recording a tracking hit failed');
    }
  };

  app.get<{ Params: { file: string } }>('/t/o/:file', async (request, reply) => {
    const id = links.verifyOpen(request.params.file);
    if (id !== null) record('opened', id);
    return reply.code(200).headers(NO_CACHE).type('image/gif').send(PIXEL);
  });

  app.get<{ Params: { token: string }; Querystring: ClickQuery }>('/t/c/:token', async (request, reply) => {
    const { u, s } = request.query;
    const id = typeof u === 'string' && typeof s === 'string' ? links.verifyClick(request.params.token, u, s) : null;
    if (id === null) return notFound(reply);
    record('clicked', id);
    return reply.code(302).headers(NO_CACHE).header('location', locationOf(u as string)).send();
  });
}

/** The URL as a Location value: characters outside printable ASCII percent-encoded, the rest as is. */
export function locationOf(url: string): string {
  return url.replace(/[^\x21-\x7e]+/gu, (run) => encodeURIComponent(run));
}

function notFound(reply: FastifyReply): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Link not recognised</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><h1>Link not recognised</h1><p>This link is not valid. If you copied it, please check it is complete.</p></body></html>`;
  return reply.code(404).headers(NO_CACHE).type('text/html; charset=utf-8').send(html);
}
