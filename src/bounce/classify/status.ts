// Enhanced status codes (RFC 3463, with the RFC 7372/7505/8689 additions) in both directions: the
// reason a code names when the text says nothing clearer, and, when a bounce stated none, sisimai's
// pseudo code x.0.9NN for the reason (so an inferred code can never be mistaken for a stated one).

const STATUS_RE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** `s` when it is a well-formed X.Y.Z with X in 2, 4, 5; else ''. */
export function validStatus(s: string | undefined): string {
  const t = (s ?? '').trim();
  return STATUS_RE.test(t) ? t : '';
}

/** The first enhanced code written in a text, e.g. "550 5.1.1 <a@b>: ..." → "5.1.1". */
export function statusInText(text: string): string {
  const m = /(?:^|[\s(\[#-])([45]\.\d{1,3}\.\d{1,3})(?=$|[\s).,;:\]])/.exec(text);
  return m ? m[1]! : '';
}

/** subject.detail → reason, where the code alone is specific enough. Severity is applied separately. */
const BY_DETAIL: Readonly<Record<string, string>> = {
  '1.0': 'userunknown', '1.1': 'userunknown', '1.2': 'hostunknown', '1.3': 'userunknown', '1.4': 'filtered',
  '1.6': 'hasmoved', '1.7': 'rejected', '1.8': 'rejected', '1.9': 'systemerror', '1.10': 'notaccept',
  '2.0': 'filtered', '2.1': 'suspend', '2.2': 'mailboxfull', '2.3': 'exceedlimit', '2.4': 'filtered',
  '3.0': 'systemerror', '3.1': 'systemfull', '3.2': 'notaccept', '3.3': 'systemerror', '3.4': 'mesgtoobig', '3.5': 'systemerror',
  '4.0': 'networkerror', '4.1': 'networkerror', '4.2': 'networkerror', '4.3': 'systemerror', '4.4': 'hostunknown', '4.5': 'systemfull',
  '4.6': 'networkerror', '4.7': 'expired', '4.8': 'networkerror',
  '5.0': 'systemerror', '5.2': 'syntaxerror', '5.3': 'toomanyconn', '5.4': 'systemerror', '5.5': 'systemerror', '5.6': 'syntaxerror',
  '7.1': 'securityerror', '7.2': 'filtered', '7.4': 'securityerror', '7.5': 'securityerror', '7.8': 'securityerror', '7.10': 'securityerror',
  '7.13': 'suspend', '7.16': 'mesgtoobig', '7.17': 'hasmoved', '7.18': 'hasmoved',
  '7.20': 'authfailure', '7.21': 'authfailure', '7.22': 'authfailure', '7.23': 'authfailure', '7.24': 'authfailure',
  '7.25': 'requireptr', '7.26': 'authfailure', '7.27': 'notaccept', '7.28': 'spamdetected', '7.29': 'authfailure', '7.30': 'securityerror',
};

/** The reason an enhanced code names, or '' when it is too vague (X.0.0, X.7.0 ...). */
export function reasonFromStatus(status: string): string {
  const m = STATUS_RE.exec(status);
  if (!m) return '';
  if (m[1] === '2') return 'delivered';
  const key = `${m[2]}.${m[3]}`;
  if (key === '4.1' && m[1] === '4') return 'expired'; // 4.4.1 "no answer from host": retried until it gave up
  if (key === '1.0' || key === '2.0') return ''; // "other address / mailbox status" says nothing alone
  if (key === '7.1' && m[1] === '4') return 'blocked'; // a temporary "not authorized": almost always the sending IP
  if (m[2] === '6') return 'contenterror';
  return BY_DETAIL[key] ?? '';
}

/**
 * reason → sisimai's pseudo status detail ("x.0.9NN"): the code to report when the bounce stated none.
 * The 0 subject marks it as inferred, never a code a server sent. Transient variants differ only for
 * filtered (4.0.924); userunknown, hostunknown and hasmoved have no transient form and keep 5.
 */
const PSEUDO: Readonly<Record<string, string>> = {
  undefined: '900', onhold: '901', syntaxerror: '902', suppressed: '903', norelaying: '909', filtered: '910',
  userunknown: '911', hostunknown: '912', hasmoved: '916', rejected: '918', suspend: '921', mailboxfull: '922',
  exceedlimit: '923', authfailure: '926', systemerror: '930', systemfull: '931', notaccept: '932', mesgtoobig: '934',
  mailererror: '939', networkerror: '944', toomanyconn: '945', speeding: '946', expired: '947', contenterror: '960',
  securityerror: '970', blocked: '971', policyviolation: '972', requireptr: '973', notcompliantrfc: '974',
  badreputation: '975', failedstarttls: '976', spamdetected: '980', virusdetected: '981',
};

/** Reasons whose pseudo code is permanent even beside a 4xx reply (sisimai defines no 4.0.9NN for them). */
const NO_TRANSIENT = new Set(['userunknown', 'hostunknown', 'hasmoved']);

/**
 * The status to report: the given one if valid, else sisimai's pseudo code for the reason (x.0.9NN),
 * transient (4.0.9NN) only when the reply code or the words say the failure was temporary.
 */
export function inferStatus(given: string, reason: string, replyCode: string, text: string): string {
  const ok = validStatus(given);
  if (ok) return ok;
  if (reason === 'delivered') return '2.0.0';
  const code = PSEUDO[reason];
  if (code === undefined) return ''; // feedback, vacation: not a delivery failure
  if (transient(replyCode, text) && !NO_TRANSIENT.has(reason)) return reason === 'filtered' ? '4.0.924' : `4.0.${code}`;
  return `5.0.${code}`;
}

/** Exim's words for giving up on a destination that only ever failed temporarily. */
const RETRIES_RAN_OUT = /retry time(?:out)? (?:not reached|exceeded)|have been failing for a long time/;

/**
 * A 4xx reply, or (without any code) a text that calls the failure temporary. A DSN's "delayed" action
 * alone does not count: sisimai keeps 5.0.947 for an expiry notice, and so do we.
 */
function transient(replyCode: string, text: string): boolean {
  const c = replyCode.trim()[0];
  if (c === '4' || c === '5') return c === '4';
  return / temporar| persistent/.test(` ${text}`) || RETRIES_RAN_OUT.test(text);
}
