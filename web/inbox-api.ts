// The shapes of /v1/inbox as the dashboard reads them (docs/inbox.md) and the calls the Inbox page makes.
import { api, qs, type Page } from './api';

export const INBOX_KINDS = ['reply', 'auto_reply', 'bounce', 'complaint', 'unsubscribe', 'other'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];
export const KIND_LABELS: Record<InboxKind, string> = {
  reply: 'Reply', auto_reply: 'Auto-reply', bounce: 'Bounce', complaint: 'Complaint', unsubscribe: 'Unsubscribe', other: 'Other',
};

export interface InboxItem {
  id: number;
  identity: string;
  kind: InboxKind;
  from: string | null;
  fromName: string | null;
  subject: string | null;
  snippet: string | null;
  date: string | null;
  receivedAt: string;
  unread: boolean;
  handled: boolean;
  campaign: string | null;
  contact: string | null;
  step: number | null;
  unsubscribe: 'suggested' | 'confirmed' | 'dismissed' | null;
}

export interface InboxMessage extends InboxItem {
  messageId: string | null;
  inReplyTo: string | null;
  text: string | null;
  returnAt: string | null;
  handledAt: string | null;
}

export interface SentStep { step: number; subject: string; sentAt: string; identity: string | null; queueId: string; messageId: string; text: string | null }
export interface InboxThread { message: InboxMessage; sent: SentStep[]; received: InboxMessage[] }

export interface InboxFilters { campaign: string; identity: string; kind: string; unread: string }

export const listInbox = (f: InboxFilters, cursor?: string) =>
  api<Page<InboxItem>>('GET', `/v1/inbox${qs({ campaign: f.campaign.trim(), identity: f.identity.trim(), kind: f.kind, unread: f.unread, cursor, limit: 50 })}`);
export const getThread = (id: number) => api<InboxThread>('GET', `/v1/inbox/${id}`);
export const markRead = (id: number) => api('POST', `/v1/inbox/${id}/read`, { read: true });
export const markHandled = (id: number) => api('POST', `/v1/inbox/${id}/handled`, {});
export const sendReply = (id: number, text: string) => api<{ id: string; handled: number }>('POST', `/v1/inbox/${id}/reply`, { text });
export const decideUnsubscribe = (id: number, confirm: boolean) => api('POST', `/v1/inbox/${id}/unsubscribe`, { confirm });
