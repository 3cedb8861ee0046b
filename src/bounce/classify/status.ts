// Enhanced status codes (RFC 3463, with the RFC 7372/7505/8689 additions) in both directions: the
// reason a code names when the text says nothing clearer, and the code to report when a bounce gave
// none, inferred from the reason and the reply code's class.

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

/** reason → the status it implies, as [transient, permanent] detail ("x.y.z" without the class). */
const IMPLIED: Readonly<Record<string, string>> = {
  userunknown: '1.1', hostunknown: '1.2', hasmoved: '1.6', notaccept: '1.10', rejected: '1.8',
  mailboxfull: '2.2', exceedlimit: '2.3', suspend: '2.1', filtered: '2.0', mesgtoobig: '3.4', systemfull: '3.1', systemerror: '3.0',
  networkerror: '4.0', expired: '4.7', toomanyconn: '4.5', speeding: '7.0', contenterror: '6.0', syntaxerror: '5.2',
  blocked: '7.1', badreputation: '7.1', spamdetected: '7.1', virusdetected: '7.1', policyviolation: '7.0', securityerror: '7.0',
  failedstarttls: '7.10', authfailure: '7.26', requireptr: '7.25', norelaying: '7.1', notcompliantrfc: '6.0', mailererror: '3.0',
  onhold: '0.0', undefined: '0.0', delivered: '0.0', vacation: '0.0', feedback: '0.0',
};

/**
 * The status to report: the given one if valid, else one inferred from the reason, with its class from
 * the reply code (4xx → 4) or, without one, from the reason (expired and rate limits are transient).
 */
export function inferStatus(given: string, reason: string, replyCode: string, action: string): string {
  const ok = validStatus(given);
  if (ok) return ok;
  if (reason === 'delivered') return '2.0.0';
  if (reason === 'feedback' || reason === 'vacation') return '';
  const cls = severity(replyCode, action, reason);
  const detail = IMPLIED[reason] ?? '0.0';
  return cls ? `${cls}.${detail}` : '';
}

/** '4' or '5' (or '' when unknown) from the reply code, else the DSN action, else the reason's nature. */
function severity(replyCode: string, action: string, reason: string): string {
  const c = replyCode.trim()[0];
  if (c === '4' || c === '5') return c;
  if (/^(?:delayed|expanded)/i.test(action)) return '4';
  if (/^failed/i.test(action)) return '5';
  if (reason === 'undefined') return '';
  return '5';
}
