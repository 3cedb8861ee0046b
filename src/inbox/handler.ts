// STUB (replaced by its owner): the unified inbox: classify and record what arrives (replies, auto-replies, bounces, complaints, unsubscribe requests).
import type { MailDeps } from '../mailboxes/deps.js';
import type { MailHandler } from '../mailboxes/types.js';

export function inboxHandler(_deps: MailDeps): MailHandler {
  return { name: 'inboxHandler', handle: async () => false };
}
