// The JSON of /v1/inbox: the list's query, the views of a message and its thread, the bodies of the
// actions. Pure zod; times are ISO strings, absent values null.
import { z } from 'zod';
import { INBOX_KINDS, type InboxItem, type InboxMessage, type SentStep } from '../../inbox/views.js';
import { iso, pageQuery } from './admin-common.js';

export const inboxQuery = z.strictObject({
  campaign: z.string().min(1).max(64).optional(),
  identity: z.string().min(1).max(64).optional(),
  kind: z.enum(INBOX_KINDS).optional(),
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only unread; false: only read'),
  ...pageQuery,
});

export const inboxParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('the inbox message\'s id') });

const text = z.string().max(1_000_000);
export const replyBody = z.strictObject({
  text: text.refine((t) => t.trim() !== '', 'the reply is empty'),
  html: text.optional(),
});
export const readBody = z.strictObject({ read: z.boolean().default(true).describe('false: mark unread again') });
export const unsubscribeBody = z.strictObject({ confirm: z.boolean().describe('true: suppress and stop the contact; false: dismiss the suggestion') });

export const itemView = z.object({
  id: z.number().int(),
  identity: z.string().describe('the mailbox it arrived in'),
  kind: z.enum(INBOX_KINDS),
  from: z.string().nullable(),
  fromName: z.string().nullable(),
  subject: z.string().nullable(),
  snippet: z.string().nullable(),
  date: z.string().nullable().describe('its Date field'),
  receivedAt: z.string().describe('when Petrel read it'),
  unread: z.boolean(),
  handled: z.boolean().describe('answered from the inbox or marked handled'),
  campaign: z.string().nullable(),
  contact: z.string().nullable().describe('the matched contact, else the sender'),
  step: z.number().int().nullable().describe('the campaign step it answers'),
  unsubscribe: z.enum(['suggested', 'confirmed', 'dismissed']).nullable().describe('an unsubscribe request by reply, and what was decided'),
});

const messageView = itemView.extend({
  messageId: z.string().nullable().describe('its Message-ID, without angle brackets'),
  inReplyTo: z.string().nullable(),
  text: z.string().nullable(),
  returnAt: z.string().nullable().describe('an auto-reply\'s stated return'),
  handledAt: z.string().nullable(),
});

const sentView = z.object({
  step: z.number().int(), subject: z.string(), sentAt: z.string(), identity: z.string().nullable(),
  queueId: z.string(), messageId: z.string().describe('the Message-ID, without angle brackets'),
  text: z.string().nullable().describe('the body as sent, while the message is still in the queue store'),
});

export const threadView = z.object({
  message: messageView,
  sent: z.array(sentView).describe('what we sent that contact in that campaign, oldest first'),
  received: z.array(messageView).describe('what they sent to that identity, oldest first, this message included'),
});

export const replyView = z.object({ id: z.string().describe('the queue id of the answer'), handled: z.number().int().describe('messages marked handled') });
export const markView = z.object({ message: itemView });

export function publicItem(m: InboxItem): z.infer<typeof itemView> {
  return { ...m, date: iso(m.date), receivedAt: iso(m.receivedAt)! };
}

export function publicMessage(m: InboxMessage): z.infer<typeof messageView> {
  const { headerId, text: body, inReplyTo, returnAt, handledAt, sendId: _s, ...item } = m;
  return { ...publicItem(item), messageId: headerId, inReplyTo, text: body, returnAt: iso(returnAt), handledAt: iso(handledAt) };
}

export function publicSent(s: SentStep, body: string | null): z.infer<typeof sentView> {
  return { step: s.step, subject: s.subject, sentAt: iso(s.sentAt)!, identity: s.identity, queueId: s.messageId, messageId: s.headerId, text: body };
}
