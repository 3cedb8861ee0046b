// Reasons for Petrel's own delivery results (remote=false): failures our client or router made up,
// with the enhanced codes chosen in src/smtp/client/outcomes.ts, src/delivery/*.ts and the queue. Their
// codes are ours and exact, so the code decides; the text only refines the vague ones.

/** Enhanced code → reason for the outcomes Petrel produces itself. */
const LOCAL: Readonly<Record<string, string>> = {
  '4.4.1': 'networkerror', // connection refused or unreachable
  '4.4.2': 'networkerror', // timeout or disconnect mid-session
  '4.4.3': 'networkerror', // DNS lookup failed (SERVFAIL, timeout)
  '4.4.4': 'networkerror', // no host to deliver to / host has no address
  '4.4.7': 'expired', // the queue gave up
  '5.4.7': 'expired',
  '5.1.1': 'userunknown', // local delivery: no such user here
  '5.1.2': 'hostunknown', // NXDOMAIN
  '5.1.10': 'notaccept', // null MX (RFC 7505)
  '5.7.27': 'notaccept',
  '5.4.6': 'networkerror', // mail loop / MX points back to us: routing, not the address
  '4.4.6': 'networkerror',
  '4.7.4': 'failedstarttls', // TLS required but STARTTLS not offered or refused
  '4.7.5': 'securityerror', // TLS failure or no MX matching the MTA-STS policy
  '4.7.0': 'securityerror', // our AUTH to a smarthost failed
  '4.3.0': 'systemerror', // a local error
  '4.5.0': 'systemerror', // the peer broke the protocol
  '5.1.7': 'rejected', // our sender address is unusable
  '5.5.4': 'syntaxerror', // bad ENVID
  '5.6.3': 'contenterror',
  '5.6.7': 'contenterror', // needs SMTPUTF8
  '5.3.4': 'mesgtoobig',
};

/** The reason for one of Petrel's own outcomes, or '' to fall back on the general classifier. */
export function localReason(enhanced: string, text: string): string {
  if (/\btls\b|starttls|mta-sts|certificate/i.test(text) && enhanced.startsWith('4.7')) {
    return /starttls/i.test(text) ? 'failedstarttls' : 'securityerror';
  }
  if (/expired|gave up|too long in (?:the )?queue/i.test(text)) return 'expired';
  return LOCAL[enhanced] ?? '';
}
