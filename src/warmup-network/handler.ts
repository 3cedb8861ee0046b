// STUB (replaced by its owner): warm-up mail among own mailboxes: placement, rescue from Junk, read, flag, reply.
import type { MailDeps } from '../mailboxes/deps.js';
import type { MailHandler } from '../mailboxes/types.js';

export function warmupHandler(_deps: MailDeps): MailHandler {
  return { name: 'warmupHandler', handle: async () => false };
}
