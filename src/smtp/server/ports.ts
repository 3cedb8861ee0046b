// The boundary between the pure SMTP session and the rest of Petrel: what a session may ask about
// users, domains and credentials, and where an accepted message goes. Implementations live in
// src/store (directory, credentials) and src/queue (message sink); tests may supply their own.

import type { Readable } from 'node:stream';
import type { Reply } from '../wire/reply.js';

/** The role of a listener decides what its sessions allow (docs/ports.md). */
export type ListenerRole = 'mx' | 'submission' | 'submissions';

/** Answer of the directory for a recipient on the MX role. */
export type RecipientVerdict =
  | 'accept' // a local address we take mail for
  | 'unknown-user' // local domain, no such address (550 5.1.1)
  | 'not-local'; // not one of our domains (550 5.7.1 relay denied)

/** Synchronous lookups (SQLite is synchronous); must not throw for unknown input. */
export interface Directory {
  /** Recipient check for the MX role; `address` is `local@domain`, domain lower-cased. */
  recipient(address: string): RecipientVerdict;
  /** May the authenticated `user` use `address` as envelope sender on submission? */
  maySendAs(user: string, address: string): boolean;
  /** Submission: refuse this recipient at RCPT (suppression list in refuse mode)? */
  refusesRecipient?(sender: string, recipient: string): boolean;
}

/** Result of a credential check; `user` is the canonical user name on success. */
export type AuthOutcome = { ok: true; user: string } | { ok: false };

/** Credential checks behind the SASL mechanisms. All are async (scrypt runs off the main thread). */
export interface Authenticator {
  /** PLAIN and LOGIN. */
  verifyPassword(user: string, password: string): Promise<AuthOutcome>;
  /** CRAM-MD5: `digest` is the hex HMAC-MD5 of `challenge` keyed with the user's secret. */
  verifyCramMd5(user: string, challenge: string, digest: string): Promise<AuthOutcome>;
  /** XOAUTH2 and OAUTHBEARER bearer tokens. */
  verifyToken(user: string, token: string): Promise<AuthOutcome>;
  /** Whether CRAM-MD5 may be offered (a secret store is configured and enabled). */
  readonly cramMd5Enabled: boolean;
}

/** One recipient with its RFC 3461 DSN parameters. */
export interface EnvelopeRecipient {
  address: string;
  notify?: string[]; // NEVER | SUCCESS, FAILURE, DELAY
  orcpt?: string; // "rfc822;addr" as given, xtext-decoded
}

/** Everything known about a message apart from its body. */
export interface Envelope {
  sender: string; // "" for the null reverse-path
  recipients: EnvelopeRecipient[];
  body: '7BIT' | '8BITMIME' | 'BINARYMIME';
  smtputf8: boolean;
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  declaredSize?: number;
  authUser: string | null;
  client: { address: string; port: number; helo: string; reverseName?: string };
  tls: { protocol: string; cipher: string } | null;
  /** The listener's role, or 'local' for mail Petrel made itself (DSNs, `petrel send`, the API). */
  role: ListenerRole | 'local';
  listener: string; // "address:port" of the listener, or the local source (e.g. "dsn", "cli")
  receivedAt: number; // ms since epoch
  /** Labels and key/values an API client attached (POST /v1/messages); carried into its events. */
  tags?: string[];
  metadata?: Record<string, string>;
  /** The sending identity chosen at acceptance (an API pool or identity send); else the sender decides. */
  identity?: string;
  /** A campaign step (src/campaigns): recorded with the message in its commit, at most once. */
  campaign?: CampaignStepTag;
}

/**
 * What the campaign engine queues a step as. The commit writes the message only if the contact is
 * still pending/active at step - 1 and no row for (name, email, step) exists (queue/message-rows.ts).
 */
export interface CampaignStepTag {
  name: string;
  email: string;
  step: number; // 1-based
  variant: string | null;
  headerId: string; // Message-ID without angle brackets
  subject: string;
  /** When the next step is due (null: this was the last step). */
  nextAt: number | null;
}

/** Streams one message body to storage; `commit` resolves only once it is durable (fsync). */
export interface MessageWriter {
  /** The queue id, known from the start so the Received header can name it. */
  readonly id: string;
  write(chunk: Buffer): void;
  /** The bytes written so far, read back (for checks before commit). */
  contents(): Readable;
  /** Replace the header section (fields before the blank line) with `fn(header)`; throws on I/O errors. */
  rewriteHeader(fn: (header: Buffer) => Buffer): void;
  commit(): Promise<string>; // resolves with the queue id
  abort(): void;
}

/** Where accepted messages go (src/queue/writer.ts). */
export interface MessageSink {
  open(envelope: Envelope): MessageWriter;
}

/** What the inbound checks of a message found: the header to prepend, and a refusal if policy says so. */
export interface InboundVerdict {
  header: string; // complete header fields, each ending in CRLF (Authentication-Results, Received-SPF)
  reject?: Reply;
}

/** SPF, DKIM, DMARC and ARC for mail received on the MX role (src/auth/inbound.ts). */
export interface InboundAuthenticator {
  /** The authserv-id our Authentication-Results fields carry (RFC 8601 §2.5). */
  readonly authservId: string;
  /** Never rejects on DNS trouble: that is a temperror in the header. */
  check(envelope: Envelope, message: Readable): Promise<InboundVerdict>;
}
