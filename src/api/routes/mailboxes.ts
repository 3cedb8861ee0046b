// /v1/mailboxes: the identities' mailboxes watched over IMAP, as `petrel mailbox list` shows them:
// connection state (idle, polling, auth-failed, ...), the last error and each folder's last UID.
import { z } from 'zod';
import { mailboxViews, type MailboxView } from '../../mailboxes/view.js';
import type { ApiContext } from '../context.js';
import { route } from '../route.js';
import { decodeCursor, iso, listOf, page, pageQuery } from './admin-common.js';

const TAG = 'mailboxes';

export const mailboxView = z.object({
  identity: z.string(),
  address: z.string(),
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  state: z.enum(['connecting', 'idle', 'polling', 'auth-failed', 'error', 'stopped']).nullable().describe('null: petrel serve has not watched it yet'),
  error: z.string().nullable(),
  since: z.string().nullable(),
  retryAt: z.string().nullable(),
  checkedAt: z.string().nullable(),
  folders: z.array(z.object({ folder: z.string(), uidValidity: z.number().int(), lastUid: z.number().int(), lastDate: z.string().nullable() })),
});

const view = (v: MailboxView): z.infer<typeof mailboxView> => ({
  ...v,
  state: v.state as z.infer<typeof mailboxView>['state'],
  since: iso(v.since), retryAt: iso(v.retryAt), checkedAt: iso(v.checkedAt),
  folders: v.folders.map((f) => ({ ...f, lastDate: iso(f.lastDate) })),
});

export function mailboxRoutes(ctx: ApiContext) {
  return [
    route({
      method: 'GET', url: '/v1/mailboxes', scope: 'read', tag: TAG, summary: 'Mailboxes watched over IMAP, their state and folder cursors',
      query: z.strictObject(pageQuery),
      responses: { 200: ['mailboxes by identity name', listOf(mailboxView)] },
      handler: ({ query }) => {
        const after = query.cursor === undefined ? null : decodeCursor(query.cursor, z.string());
        const all = mailboxViews(ctx.db).filter((m) => after === null || m.identity > after).sort((a, b) => (a.identity < b.identity ? -1 : 1));
        const { data, nextCursor } = page(all, query.limit, (m) => m.identity);
        return { data: data.map(view), nextCursor };
      },
    }),
  ];
}
