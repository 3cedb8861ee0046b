// Events: every state change of a recipient, stored durably in the `events` table (store/schema.ts).
// The same shape goes to `petrel events`, webhooks and the API.
import type { BounceClass } from '../bounce/classes.js';

export const EVENT_TYPES = [
  'accepted',
  'delivered',
  'deferred',
  'bounced',
  'expired',
  'complained',
  'suppressed',
  'unsubscribed',
  // Sending identities (src/identities, src/pacing): an identity paused or resumed (by an operator or
  // a reputation rule), its mail started waiting for a cap or slot, an automation rule acted.
  'identity.paused',
  'identity.resumed',
  'identity.throttled',
  'shaping.action',
  // Campaigns (src/campaigns): a step queued for a contact, a contact stopped by a reply, an
  // unsubscribe, a bounce or a complaint (or paused/stopped by hand), an out-of-office reply that
  // changed nothing, and a campaign with no contact left to send to.
  'campaign.sent',
  'campaign.finished',
  'contact.replied',
  'contact.unsubscribed',
  'contact.bounced',
  'contact.complained',
  'contact.stopped',
  'contact.auto_replied',
  // Mailboxes over IMAP (src/mailboxes, src/inbox): a mailbox's login failed or its connection broke
  // for good, it works again, an unsubscribe request by reply waits for the operator, a placement
  // test finished.
  'mailbox.failed',
  'mailbox.recovered',
  'contact.unsubscribe_requested',
  'placement.finished',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  at: number; // ms since epoch
  type: EventType;
  messageId?: string | null;
  recipient?: string | null;
  sender?: string | null;
  /** Domain of the envelope sender ('' for the null sender). */
  sendingDomain?: string | null;
  sourceIp?: string | null;
  mx?: string | null;
  code?: number | null;
  enhanced?: string | null;
  text?: string | null;
  class?: BounceClass | null;
  reason?: string | null;
  /** Anything else worth keeping (feedback type, attempt number, report source); stored as JSON. */
  data?: Record<string, unknown> | null;
}

export interface StoredEvent extends Required<Omit<NewEvent, 'data'>> {
  id: number;
  data: Record<string, unknown>;
  /** Cluster mode: the node the event happened on (the id is then the global stream's). */
  node?: string;
}

/** The tags and metadata of a message (API sends), for an event's data; {} when it has none. */
export function labelsOf(envelope: { tags?: string[] | undefined; metadata?: Record<string, string> | undefined }): Record<string, unknown> {
  return {
    ...(envelope.tags && envelope.tags.length > 0 ? { tags: envelope.tags } : {}),
    ...(envelope.metadata && Object.keys(envelope.metadata).length > 0 ? { metadata: envelope.metadata } : {}),
  };
}
