// Which class each sisimai reason belongs to, and what a reason says about the address. One table, so
// the operator doc (docs/bounce-reasons.md) and the code cannot drift apart silently.

import type { BounceClass } from '../classes.js';

/** Every reason this classifier can return, with its class. Order is for display only. */
export const REASON_CLASS: Readonly<Record<string, BounceClass>> = {
  userunknown: 'hard',
  hostunknown: 'hard',
  hasmoved: 'hard',
  notaccept: 'hard', // only when permanent; a 4xx notaccept is soft (see classOfReply)
  mailboxfull: 'soft',
  suspend: 'soft',
  mesgtoobig: 'soft',
  exceedlimit: 'soft',
  emailtoolarge: 'soft',
  systemerror: 'soft',
  systemfull: 'soft',
  networkerror: 'soft',
  mailererror: 'soft',
  onhold: 'soft',
  contenterror: 'soft', // the message, not the address, was at fault
  syntaxerror: 'soft', // a protocol slip on one side: retrying with a fix may work
  blocked: 'block',
  badreputation: 'block',
  spamdetected: 'block',
  virusdetected: 'block',
  rejected: 'block',
  filtered: 'block',
  policyviolation: 'policy',
  authfailure: 'policy',
  requireptr: 'policy',
  securityerror: 'policy',
  failedstarttls: 'policy',
  notcompliantrfc: 'policy',
  norelaying: 'policy',
  toomanyconn: 'rate',
  speeding: 'rate',
  expired: 'expired',
  vacation: 'auto-reply',
  feedback: 'complaint',
  delivered: 'success',
  undefined: 'unknown',
};

/** The class a reason belongs to; unknown reasons are 'unknown'. */
export function classOf(reason: string): BounceClass {
  return Object.hasOwn(REASON_CLASS, reason) ? REASON_CLASS[reason]! : 'unknown';
}

/**
 * The class of a reason seen with a reply or status of class `severity` (4 or 5): a temporary failure
 * never condemns the address, so a hard reason under a 4xx becomes soft.
 */
export function classWithSeverity(reason: string, severity: string): BounceClass {
  const c = classOf(reason);
  return c === 'hard' && severity === '4' ? 'soft' : c;
}
