// Placement-test copies at seed mailboxes: a message carrying X-Petrel-Placement of a known test is
// recorded as inbox or spam with the provider's Authentication-Results, and kept from the inbox.
import type { MailDeps } from '../mailboxes/deps.js';
import type { ArrivedMail, MailHandler } from '../mailboxes/types.js';
import { authVerdicts, headerFields } from './auth-results.js';
import { PlacementStore } from './store.js';

/** The hidden header each test message carries: the placement test's id. */
export const PLACEMENT_HEADER = 'X-Petrel-Placement';

/** The test id a copy names, or null (no header, or not an id we could have made). */
export function placementIdOf(fields: ReadonlyArray<{ name: string; value: string }>): string | null {
  const value = fields.find((f) => f.name === PLACEMENT_HEADER.toLowerCase())?.value.trim() ?? '';
  return /^[a-z0-9-]{1,64}$/i.test(value) ? value : null;
}

/**
 * Takes the copies of our placement tests (true) and leaves all other mail to the next handler.
 * A copy of a test that is already finished is still taken, but changes nothing (late or re-read).
 */
export function placementHandler(deps: MailDeps): MailHandler {
  const store = new PlacementStore(deps.db);
  return {
    name: 'placementHandler',
    async handle(mail: ArrivedMail): Promise<boolean> {
      const fields = headerFields(mail.raw);
      const id = placementIdOf(fields);
      if (id === null || store.get(id) === null) return false;
      const auth = authVerdicts(fields);
      const recorded = store.arrived(id, mail.identity, {
        result: mail.junk ? 'spam' : 'inbox', folder: mail.folder, spf: auth.spf, dkim: auth.dkim, dmarc: auth.dmarc,
        authResults: auth.raw, arrivedAt: mail.internalDate,
      });
      if (recorded) deps.log.info({ event: 'placement-arrived', test: id, seed: mail.identity, folder: mail.folder, junk: mail.junk }, 'placement copy arrived');
      return true;
    },
  };
}
