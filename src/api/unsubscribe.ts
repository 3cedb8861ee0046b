// RFC 8058 one-click unsubscribe on Petrel's HTTP server: POST /u/TOKEN with List-Unsubscribe=One-Click
// unsubscribes (idempotent, 200); GET shows a page whose button posts the same, so a link scanner that
// follows the URL never unsubscribes anyone. An unknown or forged token is a 404 page, never an error.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiContext } from './context.js';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const ONE_CLICK = /(^|&|\r\n|\n|")List-Unsubscribe("?\r?\n\r?\n|=)One-Click/;

export function registerUnsubscribe(app: FastifyInstance, ctx: ApiContext): void {
  app.addContentTypeParser(FORM_TYPES, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  app.get<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const send = lookup(ctx, request.params.token);
    if (!send) return page(reply, 404, 'Link not recognised', '<p>This unsubscribe link is not valid. If you copied it, please check it is complete.</p>');
    const action = `/u/${encodeURIComponent(request.params.token)}`;
    return page(reply, 200, 'Unsubscribe', `<p>Stop receiving these emails at <b>${escape(send.email)}</b>?</p>
<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`);
  });
  app.post<{ Params: { token: string } }>('/u/:token', async (request, reply) => {
    const send = lookup(ctx, request.params.token);
    if (!send) return page(reply, 404, 'Link not recognised', '<p>This unsubscribe link is not valid.</p>');
    const body = typeof request.body === 'string' ? request.body : '';
    if (!ONE_CLICK.test(body)) return page(reply, 400, 'Unsubscribe', '<p>The request must carry List-Unsubscribe=One-Click (RFC 8058).</p>');
    const c = ctx.campaigns!;
    c.stops.apply({ send, kind: 'unsubscribed', reason: 'one-click unsubscribe', at: c.clock(), source: 'one-click' });
    c.wake();
    ctx.log.info({ event: 'campaign-unsubscribe', campaign: send.campaign, contact: send.email }, 'one-click unsubscribe');
    return page(reply, 200, 'Unsubscribed', `<p><b>${escape(send.email)}</b> will receive no more of these emails.</p>`);
  });
}

function lookup(ctx: ApiContext, token: string) {
  const c = ctx.campaigns;
  const id = c ? c.tokens.verify(token) : null;
  if (!c || id === null) return null;
  return c.stops.sendOf(id);
}

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.2rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
