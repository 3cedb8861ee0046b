// /v1/inbox: the unified inbox over every identity's mailbox. List (newest first, filters, an id
// cursor), one message with its thread, and the actions: read, handled, reply (from the identity it
// arrived at, in its thread), and the decision on an unsubscribe suggestion. GET never changes a
// message; opening one in the dashboard posts /read. Unknown ids are 404s; what cannot be answered 409.
import PostalMime from 'postal-mime';
import { z } from 'zod';
import { ContactStops } from '../../campaigns/stops.js';
import { IdentityStore } from '../../identities/store.js';
import { isDomainIdentity } from '../../identities/types.js';
import { ReplyError, replySender } from '../../inbox/reply.js';
import { decideUnsubscribe, UnsubscribeDecisionError } from '../../inbox/unsubscribe-confirm.js';
import { InboxViews, itemOf, type InboxMessage, type SentStep } from '../../inbox/views.js';
import { readBody as readQueuedBody } from '../../queue/inspect.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { route } from '../route.js';
import { decodeCursor, listOf, page } from './admin-common.js';
import {
  inboxParams, inboxQuery, itemView, markView, publicItem, publicMessage, publicSent, readBody, replyBody, replyView, threadView, unsubscribeBody,
} from './inbox-schemas.js';
import { queueJsonMessage } from './messages.js';

const TAG = 'inbox';

export function inboxRoutes(ctx: ApiContext) {
  const views = new InboxViews(ctx.db);
  const identities = new IdentityStore(ctx.db);
  const requireMessage = (id: number): InboxMessage => views.get(id) ?? (() => { throw notFound(`inbox message ${id}`); })();
  const marked = (id: number) => ({ message: publicItem(itemOf(requireMessage(id))) });
  return [
    route({
      method: 'GET', url: '/v1/inbox', scope: 'read', tag: TAG, summary: 'Mail read from every identity\'s mailbox, newest first, with the campaign step it answers',
      query: inboxQuery,
      responses: { 200: ['a page of messages; nextCursor is null on the last page', listOf(itemView)] },
      handler: ({ query }) => {
        const { cursor, limit, ...filters } = query;
        const beforeId = cursor === undefined ? undefined : decodeCursor(cursor, z.number().int().positive());
        const rows = views.list({ ...filters, ...(beforeId !== undefined ? { beforeId } : {}), limit: limit + 1 });
        const result = page(rows, limit, (m) => m.id);
        return { data: result.data.map((m) => publicItem(itemOf(m))), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'GET', url: '/v1/inbox/:id', scope: 'read', tag: TAG, summary: 'One message and its thread: our steps to that contact, their mail to that identity (does not mark it read)',
      params: inboxParams,
      responses: { 200: ['the message and its thread', threadView], 404: ['unknown id'] },
      handler: async ({ params }) => {
        const thread = views.thread(params.id) ?? (() => { throw notFound(`inbox message ${params.id}`); })();
        const sent = await Promise.all(thread.sent.map(async (s) => publicSent(s, await sentText(ctx, s))));
        return { message: publicMessage(thread.message), sent, received: thread.received.map(publicMessage) };
      },
    }),
    route({
      method: 'POST', url: '/v1/inbox/:id/read', scope: 'send', tag: TAG, summary: 'Mark a message read ({"read": false}: unread again)',
      params: inboxParams, body: readBody,
      responses: { 200: ['the message', markView], 404: ['unknown id'] },
      handler: ({ params, body }) => (views.markRead(requireMessage(params.id).id, body.read), marked(params.id)),
    }),
    route({
      method: 'POST', url: '/v1/inbox/:id/handled', scope: 'send', tag: TAG, summary: 'Mark the conversation handled without answering (this and earlier mail of that contact to that identity)',
      params: inboxParams,
      responses: { 200: ['the message', markView], 404: ['unknown id'] },
      handler: ({ params }) => (views.markHandled(requireMessage(params.id), Date.now()), marked(params.id)),
    }),
    route({
      method: 'POST', url: '/v1/inbox/:id/reply', scope: 'send', tag: TAG,
      summary: 'Answer from the identity it arrived at, in its thread (Re:, In-Reply-To, References), through that identity\'s route; marks the conversation handled',
      params: inboxParams, body: replyBody,
      responses: { 202: ['queued', replyView], 400: ['empty text'], 404: ['unknown id'], 409: ['no sender address, or the identity is gone'] },
      handler: async ({ params, body, caller, request, reply }) => {
        const thread = views.thread(params.id) ?? (() => { throw notFound(`inbox message ${params.id}`); })();
        const m = thread.message;
        const chosen = conflictOn(() => replySender(m, thread.sent, identities.get(m.identity), body, ourSender(ctx, thread.sent)));
        const id = await queueJsonMessage(ctx, chosen, caller!, request);
        const handled = views.markHandled(m, Date.now());
        void reply.code(202);
        return { id, handled };
      },
    }),
    route({
      method: 'POST', url: '/v1/inbox/:id/unsubscribe', scope: 'admin', tag: TAG,
      summary: 'Decide an unsubscribe request by reply: confirm suppresses the sender and stops the contact; false dismisses it',
      params: inboxParams, body: unsubscribeBody,
      responses: { 200: ['the message', markView], 404: ['unknown id'], 409: ['no sender address, or dismissing a confirmed unsubscribe'] },
      handler: ({ params, body }) => {
        const m = requireMessage(params.id);
        const scope = ctx.config.campaigns.unsubscribeScope;
        const stops = ctx.campaigns?.stops ?? new ContactStops(ctx.db, { unsubscribeScope: scope });
        conflictOn(() => decideUnsubscribe({ db: ctx.db, stops, scope, sendingDomain: sendingDomainOf(identities, m.identity) }, m, body.confirm, Date.now()));
        return marked(params.id);
      },
    }),
  ];
}

function conflictOn<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ReplyError || error instanceof UnsubscribeDecisionError) throw new ApiError(409, 'conflict', error.message);
    throw error;
  }
}

/** The envelope sender of our last step, for a domain identity whose From local part varies. */
function ourSender(ctx: ApiContext, sent: SentStep[]): string | null {
  const last = sent.at(-1);
  if (!last) return null;
  return (ctx.db.prepare('SELECT sender FROM messages WHERE id = ?').pluck().get(last.messageId) as string | undefined) ?? null;
}

function sendingDomainOf(identities: IdentityStore, name: string): string {
  const identity = identities.get(name);
  if (!identity) return '';
  return (isDomainIdentity(identity) ? identity.from : identity.from.slice(identity.from.lastIndexOf('@') + 1)).toLowerCase();
}

/** The plain text of a step as sent, while its message is still stored; null once it is gone. */
async function sentText(ctx: ApiContext, s: SentStep): Promise<string | null> {
  const bytes = readQueuedBody(ctx.db, ctx.config.dataDir, s.messageId);
  if (!bytes || bytes.length > 1024 * 1024) return null;
  const parsed = await PostalMime.parse(bytes);
  return parsed.text?.slice(0, 65_536) ?? null;
}
