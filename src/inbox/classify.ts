// What a message found in a mailbox is: a bounce or complaint (the report parsers say so), an automatic
// reply, a request to unsubscribe, a reply to our mail, or other mail. Pure: (what was read) → kind.
import type { ReportKind } from '../bounce/report-types.js';
import type { InboxKind } from './views.js';

export type { InboxKind };

export interface Observed {
  /** What the report parsers made of it. */
  report: ReportKind;
  /** Header fields or subject mark an automatic reply (campaigns/auto-reply.ts). */
  auto: boolean;
  /** The new text asks to be taken off the list. */
  unsubscribe: boolean;
  /** It answers one of our campaign sends. */
  matched: boolean;
  /** It names some message it answers (In-Reply-To), ours or not. */
  threaded: boolean;
}

/**
 * Reports first (Exim marks its bounces auto-replied), then automatic replies (a vacation text saying
 * "remove me from the list while I am away" is still automatic), then a person's words.
 */
export function classify(o: Observed): InboxKind {
  if (o.report === 'bounce') return 'bounce';
  if (o.report === 'complaint') return 'complaint';
  if (o.report === 'auto-reply' || o.auto) return 'auto_reply';
  if (o.unsubscribe) return 'unsubscribe';
  return o.matched || o.threaded ? 'reply' : 'other';
}
