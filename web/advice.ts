// What an operator should do about a failed delivery, by sisimai reason first, then by class
// (src/bounce/classify/reasons.ts and docs/bounce-reasons.md define the vocabulary).

const BY_REASON: Record<string, string> = {
  userunknown: 'Remove the address: the mailbox does not exist, and Petrel has suppressed it.',
  hostunknown: 'Fix or remove the address: its domain has no mail server.',
  hasmoved: 'Update the address: the recipient has moved.',
  notaccept: 'The domain accepts no mail (null MX); remove the address.',
  mailboxfull: 'Nothing to do now; Petrel retries. Remove the address if it stays full for days.',
  mesgtoobig: 'Send a smaller message (link large attachments instead).',
  emailtoolarge: 'Send a smaller message (link large attachments instead).',
  exceedlimit: 'Send a smaller message, or fewer to this recipient.',
  systemerror: 'A fault at the receiving side; Petrel retries.',
  networkerror: 'Check DNS and outbound port 25 from this host; Petrel retries.',
  blocked: "Check `petrel domain check` blocklists and your sending IP's reputation.",
  badreputation: "Warm up the sending IP and domain slowly; check `petrel domain check` and the receiver's postmaster tools.",
  spamdetected: 'The content looked like spam: review the message, links and list hygiene.',
  virusdetected: 'The receiver found malware in an attachment: remove it.',
  rejected: "The sender address was refused: check the sending domain's DNS with `petrel domain check`.",
  filtered: 'A recipient-side filter refused it: ask the recipient to allow your domain.',
  authfailure: 'Publish SPF/DKIM/DMARC: `petrel domain records`, then `petrel domain check`.',
  requireptr: "Give your sending IP a PTR record matching Petrel's hostname.",
  failedstarttls: "The receiver requires TLS that failed: check Petrel's TLS settings and the receiver's certificate.",
  securityerror: 'Authentication or TLS was required and failed: check relay credentials and TLS settings.',
  norelaying: 'The receiving host does not handle this domain: check its MX records or your smarthost route.',
  notcompliantrfc: 'The message broke a standard: check its headers (Date, Message-ID, From).',
  policyviolation: "The receiver's policy refused it: read the reply text for the rule.",
  toomanyconn: 'Lower the concurrency to this destination; Petrel retries.',
  speeding: 'Send more slowly to this destination; Petrel retries.',
  expired: 'Petrel gave up after retrying; look at the last reply above for why.',
  feedback: 'The recipient marked the mail as spam: they are suppressed; do not mail them again.',
  vacation: 'An auto-reply, not a failure: nothing to do.',
};

const BY_CLASS: Record<string, string> = {
  hard: 'The address will never work: remove it (Petrel has suppressed it).',
  soft: 'Temporary: Petrel retries on its own.',
  block: "Reputation: check `petrel domain check` blocklists and your sending IP's reputation.",
  policy: 'Authentication or policy: publish SPF/DKIM/DMARC (`petrel domain records`) and check TLS and PTR.',
  rate: 'Rate limited: Petrel retries; lower the concurrency to this destination.',
  expired: 'Retries ran out: read the last reply for the cause.',
  complaint: 'A spam complaint: the recipient is suppressed.',
  'auto-reply': 'An auto-reply: nothing to do.',
  success: 'Delivered.',
};

/** Advice for a classified reply; null when the class or reason says nothing to act on. */
export function adviceFor(klass: string | null | undefined, reason: string | null | undefined): string | null {
  if (reason && BY_REASON[reason]) return BY_REASON[reason]!;
  if (klass && BY_CLASS[klass]) return BY_CLASS[klass]!;
  return null;
}
