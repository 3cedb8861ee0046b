// The IMAP side of an identity and the contract between the mailbox watcher (src/mailboxes) and what
// reads the mail it finds: the warm-up network, placement tests and the unified inbox (src/inbox).

export const IMAP_TLS = ['implicit', 'starttls', 'none'] as const;
export type ImapTls = (typeof IMAP_TLS)[number];

/** How to reach an identity's mailbox; its password is sealed in the identity's secret (imapPassword). */
export interface ImapSettings {
  host: string;
  port: number;
  tls: ImapTls;
  /** Login name (default: the identity's address). */
  user: string;
  /** Verify the server's certificate (TLS modes). */
  verify: boolean;
  /** password: LOGIN/PLAIN with imapPassword (an app password); xoauth2: the identity's OAuth credentials. */
  auth: 'password' | 'xoauth2';
}

/** One message found in a watched folder, as read (up to mailboxes.maxMessageBytes). */
export interface ArrivedMail {
  /** The identity whose mailbox it is. */
  identity: string;
  /** The identity's own address (lower case; for a domain identity, the IMAP login). */
  address: string;
  folder: string;
  /** The folder is the server's \Junk (spam) folder. */
  junk: boolean;
  uidValidity: number;
  uid: number;
  flags: string[];
  /** The server's internal (arrival) date, ms. */
  internalDate: number;
  raw: Buffer;
  /** raw stops at mailboxes.maxMessageBytes. */
  truncated: boolean;
}

/** What a handler may do to the message it is given, on the open connection. */
export interface MailboxActions {
  /** Move it to INBOX (from Junk: a warm-up rescue). */
  moveToInbox(): Promise<void>;
  /** Add IMAP flags, e.g. ['\\Seen'], ['\\Flagged']. */
  addFlags(flags: string[]): Promise<void>;
}

/**
 * Reads what arrives. The watcher gives each new message to its handlers in order (warm-up network,
 * placement, then the inbox), stopping at the first that returns true; the inbox handler takes all
 * the rest. A folder's last-seen UID moves past a message only after its handler resolved, so a
 * crash means it is read again: handlers must be idempotent (UNIQUE keys, outcome-is-null checks).
 */
export interface MailHandler {
  readonly name: string;
  handle(mail: ArrivedMail, actions: MailboxActions): Promise<boolean>;
}
