// Label values for Petrel's metrics, from small fixed sets so a scrape never grows with the mail:
// destination providers from the MX host name, sending domains folded to "other" unless configured.
// Pure functions; an unknown or missing input maps to "other", never to a new label value.

export type Provider = 'gmail' | 'outlook' | 'yahoo' | 'icloud' | 'local' | 'other';

/** MX host name suffixes of the big mailbox providers (lower case, with the leading dot). */
const PROVIDER_SUFFIXES: ReadonlyArray<readonly [string, Provider]> = [
  ['.google.com', 'gmail'],
  ['.googlemail.com', 'gmail'],
  ['.outlook.com', 'outlook'],
  ['.hotmail.com', 'outlook'],
  ['.microsoft.com', 'outlook'],
  ['.yahoodns.net', 'yahoo'],
  ['.yahoo.com', 'yahoo'],
  ['.icloud.com', 'icloud'],
  ['.apple.com', 'icloud'],
];

/**
 * The provider behind a delivery attempt: "local" for mail stored here, else from the MX host.
 * @example providerOf('mx', 'gmail-smtp-in.l.google.com') // 'gmail'
 */
export function providerOf(route: string, mx: string | undefined): Provider {
  if (route === 'local') return 'local';
  if (!mx) return 'other';
  const host = `.${mx.toLowerCase().replace(/\.$/, '')}`;
  for (const [suffix, provider] of PROVIDER_SUFFIXES) if (host.endsWith(suffix)) return provider;
  return 'other';
}

/** The label for a sender's domain: the domain when it is a configured sending domain, "<>" for the null sender. */
export function senderLabel(sender: string, isSendingDomain: (domain: string) => boolean): string {
  if (sender === '') return '<>';
  const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
  return domain !== '' && isSendingDomain(domain) ? domain : 'other';
}

/** Recipient states as counted: relayed is a delivery too; anything else not final is "deferred". */
export function outcomeOf(state: string): 'delivered' | 'deferred' | 'bounced' | 'expired' {
  if (state === 'delivered' || state === 'relayed') return 'delivered';
  if (state === 'bounced' || state === 'expired') return state;
  return 'deferred';
}
