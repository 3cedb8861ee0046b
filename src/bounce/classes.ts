// The vocabulary of bounce classification: what a reply or a returned report means for the address.
// Reasons are sisimai's labels (https://libsisimai.org/en/reason/); classes group them by what a
// sender should do. Shared by the synchronous path (delivery replies) and the report parsers.

/** What the sender should do about the recipient. */
export type BounceClass =
  | 'hard' // the address will never work: suppress it
  | 'soft' // may work later (mailbox full, system error, network)
  | 'block' // reputation: blocklisted IP or domain, spam or virus content, sender rejected
  | 'policy' // authentication (SPF/DKIM/DMARC), PTR, TLS required, relaying denied, RFC non-compliance
  | 'rate' // too many connections or messages
  | 'expired' // gave up retrying
  | 'auto-reply' // vacation / out-of-office: not a bounce
  | 'complaint' // ARF feedback report: the recipient marked the mail as spam
  | 'success' // a delivery report saying delivered / relayed
  | 'unknown';

export const BOUNCE_CLASSES: readonly BounceClass[] = [
  'hard', 'soft', 'block', 'policy', 'rate', 'expired', 'auto-reply', 'complaint', 'success', 'unknown',
];

export interface Classification {
  class: BounceClass;
  /** sisimai reason label, e.g. userunknown, mailboxfull, blocked, expired, feedback, vacation. */
  reason: string;
}
