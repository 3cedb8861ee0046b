// STUB (replaced by its owner): placement-test messages at seed mailboxes: inbox or spam, Authentication-Results.
import type { MailDeps } from '../mailboxes/deps.js';
import type { MailHandler } from '../mailboxes/types.js';

export function placementHandler(_deps: MailDeps): MailHandler {
  return { name: 'placementHandler', handle: async () => false };
}
