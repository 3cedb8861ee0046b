// An unsubscribe request found in a reply is only a suggestion until someone decides: confirm
// suppresses the sender (reason unsubscribe, scope per campaigns.unsubscribeScope) and, when the mail
// answered a campaign send, stops that contact through ContactStops; dismiss just records the answer.
import type { ContactStops } from '../campaigns/stops.js';
import { CampaignStore } from '../campaigns/store.js';
import type { Db } from '../store/db.js';
import { addSuppression, SuppressionStore } from '../suppression/store.js';
import type { InboxMessage } from './views.js';

export class UnsubscribeDecisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsubscribeDecisionError';
  }
}

export interface UnsubscribeDeps {
  db: Db;
  /** The engine's stops (or one made with campaigns.unsubscribeScope). */
  stops: ContactStops;
  scope: 'global' | 'domain';
  /** The domain the identity sends from: the scope of a domain-scoped suppression without a send. */
  sendingDomain: string;
}

/** Apply the decision on `m`; returns the new state. Deciding twice the same way is a no-op. */
export function decideUnsubscribe(deps: UnsubscribeDeps, m: InboxMessage, confirm: boolean, at: number): 'confirmed' | 'dismissed' {
  const address = m.contact ?? m.from;
  if (!address) throw new UnsubscribeDecisionError(`inbox message ${m.id} has no sender address to unsubscribe`);
  if (m.unsubscribe === 'confirmed' && !confirm) throw new UnsubscribeDecisionError(`inbox message ${m.id}: the unsubscribe was confirmed already`);
  const state = confirm ? 'confirmed' : 'dismissed';
  deps.db.transaction(() => {
    if (confirm && m.unsubscribe !== 'confirmed') suppressAndStop(deps, m, address, at);
    deps.db.prepare('UPDATE inbox_messages SET unsubscribe = ?, handled_at = COALESCE(handled_at, ?), unread = 0 WHERE id = ?').run(state, at, m.id);
  })();
  return state;
}

function suppressAndStop(deps: UnsubscribeDeps, m: InboxMessage, address: string, at: number): void {
  const send = m.sendId === null ? null : new CampaignStore(deps.db).sendById(m.sendId);
  if (send) {
    // ContactStops suppresses with the configured scope, stops the contact and records the event.
    deps.stops.apply({ send, kind: 'unsubscribed', reason: `unsubscribe by reply: ${m.subject ?? ''}`.trim(), at, source: 'inbox' });
    return;
  }
  const scope = deps.scope === 'global' ? '' : deps.sendingDomain;
  addSuppression(new SuppressionStore(deps.db), { address, scope, reason: 'unsubscribe', detail: `inbox: message ${m.id}`, at });
}
