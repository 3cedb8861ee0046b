// What a delivery result means beyond the queue: its event (delivered, deferred, bounced, expired, with
// the reply classified) and, for a hard bounce, a suppression entry. Written in the same transaction as
// the recipient's new state, so an event is never missing for a change and never recorded twice.
import type { Classification } from '../bounce/classes.js';
import { classifyReply, suppresses } from '../bounce/classify/index.js';
import type { RecipientResult } from '../delivery/job.js';
import type { NewEvent } from '../events/types.js';
import type { RecipientUpdate } from './delivery-store.js';
import { domainOf } from './message-rows.js';

/** A hard-bounced address, suppressed for every sending domain (the address does not exist). */
export interface HardBounce {
  address: string;
  detail: string;
  sourceMessage: string;
  at: number;
}

export interface DeliveryConsequences {
  classification: Classification;
  /** Null for a skipped attempt (a paused destination): nothing happened worth an event. */
  event: NewEvent | null;
  suppress: HardBounce | null;
}

export function consequences(
  result: RecipientResult,
  update: RecipientUpdate,
  recipient: { address: string; sender: string; labels?: Record<string, unknown> },
): DeliveryConsequences {
  const { outcome, attempt } = result;
  const classification = classifyOutcome(result, update);
  const type = eventType(update.state);
  const skipped = attempt.skipped === true && update.state === 'deferred';
  const event: NewEvent | null = skipped
    ? null
    : {
        at: update.at,
        type,
        messageId: update.messageId,
        recipient: recipient.address,
        sender: recipient.sender,
        sendingDomain: recipient.sender === '' ? '' : domainOf(recipient.sender),
        sourceIp: attempt.localIp ?? null,
        mx: attempt.mx ?? null,
        code: outcome.code,
        enhanced: outcome.enhanced || null,
        text: outcome.text,
        ...(type === 'delivered' ? {} : { class: classification.class, reason: classification.reason }),
        data: { route: attempt.route, attempt: update.countsAsAttempt ? 1 : 0, ...(attempt.tls ? { tls: attempt.tls } : {}), ...recipient.labels },
      };
  const suppress =
    update.state === 'bounced' && outcome.remote && suppresses(classification)
      ? { address: recipient.address, detail: detailOf(classification, outcome), sourceMessage: update.messageId, at: update.at }
      : null;
  return { classification, event, suppress };
}

function classifyOutcome(result: RecipientResult, update: RecipientUpdate): Classification {
  if (update.state === 'delivered' || update.state === 'relayed') return { class: 'success', reason: 'delivered' };
  if (update.state === 'expired') return { class: 'expired', reason: 'expired' };
  const { code, enhanced, text, remote, phase } = result.outcome;
  return classifyReply({ code, enhanced, text, remote, phase });
}

function eventType(state: RecipientUpdate['state']): NewEvent['type'] {
  switch (state) {
    case 'delivered':
    case 'relayed':
      return 'delivered';
    case 'bounced':
      return 'bounced';
    case 'expired':
      return 'expired';
    default:
      return 'deferred';
  }
}

function detailOf(c: Classification, o: RecipientResult['outcome']): string {
  return `${c.reason} ${o.code} ${o.enhanced} ${o.text}`.replace(/\s+/g, ' ').trim().slice(0, 500);
}
