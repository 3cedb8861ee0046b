// The one-line fix for a failed relay probe step: an ordered table of rules (provider, step, reply
// code, enhanced code, text) and a first-match evaluator. Pure data and text; every failure gets a fix.

/** The steps of a probe, in order. */
export type ProbeStepName = 'resolve' | 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'quit';

/** Providers with advice of their own. */
export type Provider = 'google' | 'microsoft';

/** What is known about a failed step. */
export interface FailureFacts {
  step: ProbeStepName;
  /** The relay as the operator named it (a host name or an IP address), its port and TLS mode. */
  host: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  provider: Provider | null;
  /** The name the certificate was checked against, when it is not `host`. */
  servername?: string;
  /** The peer's refusal, when it gave one: "535 5.7.8 Username and Password not accepted". */
  reply?: { code: number; enhanced?: string; text: string };
  /** Our diagnostic (the client's outcome text or the resolver's error). */
  detail: string;
}

/** A rule applies when every field it sets matches; `text` is tested on the detail and the reply text. */
interface FixRule {
  step?: ProbeStepName[];
  provider?: Provider;
  code?: number[];
  enhanced?: string[];
  text?: RegExp;
  fix: (f: FailureFacts) => string;
}

const at = (f: FailureFacts) => `${f.host}:${f.port}`;
const certOf = (f: FailureFacts) => f.servername ?? f.host;
const why = (f: FailureFacts) => (f.detail ? ` (${f.detail})` : '');
const CREDENTIALS = 'check --relay-user and the password (petrel identity add ... --relay-password-stdin to set it again)';
const TLS_MODE = 'check --relay-tls (starttls for port 587, implicit for 465)';

/** Certificate and handshake problems, wherever TLS starts (connect for implicit TLS, or STARTTLS). */
const TLS_RULES: FixRule[] = [
  { text: /ALTNAME_INVALID|do(es)? not match|doesn't match/i, fix: (f) => `the certificate of ${at(f)} is not for ${certOf(f)}: give --relay-host as the name on its certificate (not an IP address or an alias), then ${TLS_MODE}` },
  { text: /CERT_HAS_EXPIRED|expired/i, fix: (f) => `the certificate of ${certOf(f)} has expired: the relay's operator must renew it (or turn verification off for this relay while they do)` },
  { text: /SELF_SIGNED|self[- ]signed|ISSUER|UNABLE_TO_VERIFY_LEAF|local issuer/i, fix: (f) => `the certificate of ${certOf(f)} is not signed by a trusted CA (self-signed or an incomplete chain): add its CA to delivery.tls.caFiles, or turn verification off for this relay` },
  { text: /wrong version number|WRONG_VERSION|packet length|unsupported protocol|protocol version|no protocols/i, fix: (f) => `${at(f)} did not answer TLS as expected: ${TLS_MODE} and --relay-port, and that the server supports TLS 1.2 or later` },
  { text: /TLS handshake/, fix: (f) => `the TLS handshake with ${at(f)} failed: ${TLS_MODE} and the server's certificate` },
];

/** Per-step rules, most specific first. */
const STEP_RULES: FixRule[] = [
  { step: ['resolve'], text: /ENOTFOUND|ENODATA|NXDOMAIN|not found/i, fix: (f) => `${f.host} does not resolve: check the spelling of --relay-host` },
  { step: ['resolve'], fix: (f) => `cannot look ${f.host} up${why(f)}: check this machine's DNS resolver and network` },

  { step: ['connect'], text: /ECONNREFUSED/, fix: (f) => `nothing listens on ${at(f)}: check --relay-host/--relay-port` },
  { step: ['connect'], text: /EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/, fix: (f) => `no route to ${at(f)}: check this machine's network (an IPv6 address without IPv6 connectivity?)` },
  { step: ['connect'], text: /^timeout .* connecting to /, fix: (f) => `no answer from ${at(f)}: check --relay-host/--relay-port, and that no firewall blocks outgoing port ${f.port}` },
  { step: ['connect', 'starttls'], text: /^timeout .* with \S*\[/, fix: (f) => `the TLS handshake with ${at(f)} got no answer: the port may not speak TLS there; ${TLS_MODE}` },
  ...TLS_RULES.map((r) => ({ ...r, step: ['connect', 'starttls'] as ProbeStepName[] })),
  { step: ['connect'], fix: (f) => `cannot connect to ${at(f)}${why(f)}: check --relay-host/--relay-port` },

  { step: ['greeting'], text: /^timeout/, fix: (f) => `${at(f)} accepted the connection but sent no greeting: if it expects TLS at once (port 465), use --relay-tls implicit` },
  { step: ['greeting'], code: [554, 550], fix: (f) => `${f.host} refuses connections from this address: check that this server's IP address is allowed to send (and not on a blocklist)` },

  { step: ['ehlo'], code: [500, 501, 502, 504, 550, 555], fix: (f) => `${f.host} refused our EHLO name: use this server's fully-qualified host name (one that resolves to its IP address)` },

  { step: ['starttls'], text: /does not offer STARTTLS/, fix: (f) => `${at(f)} does not offer STARTTLS: if ${f.port} is an implicit TLS port (465) use --relay-tls implicit, else check --relay-port (submission is 587)` },
  { step: ['starttls'], text: /refused STARTTLS/, fix: (f) => `${f.host} refused STARTTLS: try its implicit TLS port (--relay-tls implicit --relay-port 465), or ask its operator` },

  { step: ['auth'], text: /does not offer AUTH/, fix: (f) => (f.tls === 'none' ? `${f.host} offers no AUTH without TLS: use --relay-tls starttls (587) or implicit (465)` : `${at(f)} offers no AUTH: check that --relay-port is the submission port (587 or 465), not 25`) },
  { step: ['auth'], text: /no usable authentication mechanism/, fix: (f) => `${f.host} ${offers(f.detail)}, none of which we may use: allow one of them for this identity, or give the credential it needs (a password for PLAIN, LOGIN, CRAM-MD5; OAuth2 for XOAUTH2)` },
  { step: ['auth'], text: /cannot get credentials/, fix: () => 'fetching the OAuth2 access token failed: check the token URL, client id and secret, and the refresh token of this identity' },
  { step: ['auth'], provider: 'google', text: /XOAUTH2 failed/, fix: () => 'Google refused the OAuth2 token: it must be for this user with the scope https://mail.google.com/ (get a new refresh token if it was revoked)' },
  { step: ['auth'], provider: 'microsoft', text: /XOAUTH2 failed/, fix: () => 'Microsoft refused the OAuth2 token: it must be for this mailbox with the scope https://outlook.office.com/SMTP.Send, and SMTP AUTH must be enabled for the mailbox' },
  { step: ['auth'], provider: 'google', enhanced: ['5.7.9'], fix: () => 'Google requires an app password for this account: create one (2-Step Verification on) or use XOAUTH2; https://support.google.com/mail/answer/185833' },
  { step: ['auth'], provider: 'google', enhanced: ['5.7.14'], fix: () => 'Google blocked the sign-in as suspicious: sign in once from a browser at https://accounts.google.com, then use an app password or XOAUTH2; https://support.google.com/mail/answer/185833' },
  { step: ['auth'], provider: 'google', enhanced: ['5.7.8'], fix: () => 'Google refused the user/password: use an app password (2-Step Verification on) or XOAUTH2; https://support.google.com/mail/answer/185833' },
  { step: ['auth'], provider: 'microsoft', enhanced: ['5.7.139'], text: /basic authentication is disabled|security defaults/i, fix: () => 'the tenant blocks password sign-in (Security Defaults or an authentication policy): use OAuth (XOAUTH2), or have an admin allow SMTP AUTH for this mailbox' },
  { step: ['auth'], provider: 'microsoft', enhanced: ['5.7.139'], fix: () => 'SMTP AUTH is disabled for this mailbox or tenant: enable Authenticated SMTP in the Microsoft 365 admin center (or use OAuth)' },
  { step: ['auth'], provider: 'microsoft', enhanced: ['5.7.3'], fix: () => `SMTP AUTH is disabled for this mailbox or tenant: enable Authenticated SMTP in the Microsoft 365 admin center (or use OAuth); if it is enabled, ${CREDENTIALS}` },
  { step: ['auth'], text: /XOAUTH2 failed/, fix: () => 'the server refused the OAuth2 access token: check that it is for this user and has the provider\'s mail-sending scope' },
  { step: ['auth'], code: [535], fix: () => `the server refused the credentials: ${CREDENTIALS}` },
  { step: ['auth'], code: [534], fix: (f) => `${f.host} wants another way to sign in (534${f.reply?.enhanced ? ` ${f.reply.enhanced}` : ''}): use an app-specific password or XOAUTH2 if the provider has them` },
  { step: ['auth'], code: [538], fix: () => 'the server allows this mechanism only over TLS: use --relay-tls starttls or implicit' },
  { step: ['auth'], code: [454, 432], fix: (f) => `${f.host} could not check the credentials just now: try again later; if it persists, ${CREDENTIALS}` },
  { step: ['auth'], text: /did not finish/, fix: () => `the server kept challenging: ${CREDENTIALS}, or restrict this identity to another mechanism` },
];

/** Whatever the step: the peer closing, going silent or talking nonsense. */
const GENERIC_RULES: FixRule[] = [
  { code: [421], fix: (f) => `${f.host} is closing the connection (421): try again later; if it persists, check that this server's IP address is allowed` },
  { text: /^timeout/, fix: (f) => `${f.host} stopped answering during ${f.step}: try again; if it persists, a firewall or filter in between may hold the connection` },
  { text: /connection closed/, fix: (f) => `${f.host} closed the connection during ${f.step}: check --relay-tls and --relay-port (a TLS port spoken to in plaintext closes like this)` },
  { text: /unexpected reply|malformed|protocol/i, fix: (f) => `${at(f)} does not speak SMTP as expected: check --relay-host/--relay-port and --relay-tls` },
  { fix: (f) => `${f.step} failed${f.reply ? ` (${`${f.reply.code} ${f.reply.enhanced ?? ''} ${f.reply.text}`.replace(/\s+/g, ' ').trim()})` : why(f)}: check the relay settings with its provider` },
];

/** "offers AUTH GSSAPI NTLM", from "the host offers GSSAPI NTLM". */
const offers = (detail: string): string => `offers AUTH ${/offers (.*)$/.exec(detail)?.[1] ?? '(none)'}`;

const RULES: readonly FixRule[] = [...STEP_RULES, ...GENERIC_RULES];

function matches(r: FixRule, f: FailureFacts): boolean {
  if (r.step && !r.step.includes(f.step)) return false;
  if (r.provider && r.provider !== f.provider) return false;
  if (r.code && !(f.reply && r.code.includes(f.reply.code))) return false;
  if (r.enhanced && !(f.reply?.enhanced && r.enhanced.includes(f.reply.enhanced))) return false;
  return !r.text || r.text.test(f.detail) || (f.reply !== undefined && r.text.test(f.reply.text));
}

/**
 * The fix for a failed step: the first rule that matches (the last rule matches everything).
 * @example fixFor({ step: 'connect', host: 'relay.example', port: 587, tls: 'starttls', provider: null, detail: 'connect to [192.0.2.1]:587 failed: ECONNREFUSED' })
 * // "nothing listens on relay.example:587: check --relay-host/--relay-port"
 */
export function fixFor(f: FailureFacts): string {
  return RULES.find((r) => matches(r, f))!.fix(f);
}

const GOOGLE_HOST = /(^|\.)(gmail|googlemail|google)\.com\.?$/i;
const MICROSOFT_HOST = /(^|\.)(office365|outlook)\.com\.?$/i;

/**
 * The provider behind a relay, from its name or, for an IP address, its greeting.
 * @example providerOf('smtp.gmail.com') === 'google'
 */
export function providerOf(host: string, greeting = ''): Provider | null {
  if (GOOGLE_HOST.test(host) || /\bgsmtp\b/.test(greeting)) return 'google';
  if (MICROSOFT_HOST.test(host) || /\.outlook\.com\b|Microsoft ESMTP/i.test(greeting)) return 'microsoft';
  return null;
}
