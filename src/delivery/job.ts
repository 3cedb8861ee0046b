// What the scheduler hands to delivery and what it gets back: one job is one message's recipients
// at one domain; every recipient comes back with exactly one result, whatever happened.
import type { Readable } from 'node:stream';
import type { Outcome } from '../smtp/client/types.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Via } from './route.js';

export interface JobRecipient {
  idx: number; // position in the envelope (recipients.idx)
  address: string;
  notify?: string[];
  orcpt?: string;
  attempts: number; // attempts before this one
}

export interface DeliveryJob {
  messageId: string;
  domain: string; // the recipients' domain, lower case
  envelope: Envelope;
  size: number;
  recipients: JobRecipient[];
  /** The sending identity the message leaves through (src/identities), when it has one. */
  identity?: string;
  /** Opens the stored body (RFC 5322 message with CRLF line ends). */
  body: () => Readable;
  /** Reads the body into memory, once, when it is stored in the database (small messages). */
  data?: () => Buffer;
}

/** How a recipient's attempt went, for the attempts table and the DSN. */
export interface AttemptInfo {
  startedAt: number;
  durationMs: number;
  route: Via | 'local';
  mx?: string; // the host name we talked to
  ip?: string;
  port?: number;
  localIp?: string;
  tls?: string; // protocol, e.g. TLSv1.3
  /** Not tried at all (its destination is paused after repeated connection failures). */
  skipped?: boolean;
  /** The next hop offered DSN, so a NOTIFY=SUCCESS report is its job, not ours. */
  peerDsn?: boolean;
}

export interface RecipientResult {
  idx: number;
  outcome: Outcome;
  attempt: AttemptInfo;
  /** Not sent: the identity's cap, pace, pause or a suspension holds it until `until` (src/pacing). */
  wait?: { until: number; reason: string; identity: string };
}

/** Delivery of a job; resolves with one result per recipient and never rejects. */
export type Deliver = (job: DeliveryJob) => Promise<RecipientResult[]>;
