// The `mailboxes` section of petrel.yaml: the IMAP side of identities (src/mailboxes) — how `petrel
// serve` watches their provider inboxes for replies, auto-replies, bounces and warm-up mail.
import { z } from 'zod';

export const mailboxesSchema = z.strictObject({
  /** Watch the IMAP side of identities in `petrel serve`. */
  enabled: z.boolean().default(true),
  /** Use IDLE where the server offers it (false: always poll). */
  idle: z.boolean().default(true),
  /** Without IDLE (or with idle: false): look for new mail this often. */
  pollSeconds: z.number().min(1).max(3600).default(60),
  /** The Junk/Spam folder is checked this often (a STATUS command; replies and warm-up mail land there too). */
  junkCheckSeconds: z.number().min(1).max(86_400).default(300),
  /** At most this many mailboxes connect (log in) at once; the rest wait their turn. */
  connectConcurrency: z.number().int().min(1).max(256).default(8),
  /** A message larger than this is read up to it (headers and the start of the body are what we classify). */
  maxMessageBytes: z.number().int().min(16 * 1024).max(50 * 1024 * 1024).default(1024 * 1024),
  /** Reconnect after a broken connection: from min to max seconds, doubling, with jitter. */
  reconnectMinSeconds: z.number().min(0.1).max(3600).default(5),
  reconnectMaxSeconds: z.number().min(1).max(86_400).default(900),
  /** A mailbox whose login was refused is tried again after this long (or at once after `identity set`). */
  authRetryMinutes: z.number().min(1).max(10_080).default(60),
  /** An auto-reply without a stated return date pauses the contact's sequence for this many days. */
  autoReplyPauseDays: z.number().int().min(0).max(60).default(3),
});

export type MailboxesConfig = z.infer<typeof mailboxesSchema>;
