// `identity test`'s IMAP check: connect to an identity's mailbox as the watcher would (its TLS mode,
// LOGIN or XOAUTH2), list the folders (INBOX, the \Junk one), log out; each step in the relay probe's
// report format, with a fix for the one that failed. Bounded by timeouts; never rejects.
import { ImapFlow } from 'imapflow';
import { RelayCredentials } from './relay-auth.js';
import type { ProbeReport, ProbeStep, TranscriptEntry } from './probe-report.js';
import type { IdentityStore } from './store.js';
import type { Identity } from './types.js';

/** The mailbox to log in to, credentials unsealed. */
export interface ImapTarget {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
  verify: boolean;
  user: string;
  password?: string;
  token?: () => Promise<string>;
}

/** An operator is waiting: each phase gets seconds, not IMAP's minutes. */
export const IMAP_PROBE_TIMEOUTS = { connection: 10_000, greeting: 10_000, socket: 30_000 };

/** The identity's mailbox, or null when it has no IMAP side. The password defaults to the relay's. */
export function imapTargetOf(store: IdentityStore, identity: Identity): ImapTarget | null {
  const m = identity.imap;
  if (!m) return null;
  const base = { host: m.host, port: m.port, tls: m.tls, verify: m.verify, user: m.user };
  if (m.auth === 'xoauth2') {
    const token = new RelayCredentials(store).authOf(identity)?.token;
    return { ...base, ...(token ? { token } : {}) };
  }
  const secret = store.secretOf(identity.name);
  const password = secret.imapPassword ?? secret.password;
  return { ...base, ...(password !== undefined ? { password } : {}) };
}

/**
 * Log in and list the folders; the report's steps are imap-connect, imap-login, imap-folders, imap-logout.
 * @example process.stdout.write(formatProbeReport(await probeImap(target, { ca })));
 */
export async function probeImap(t: ImapTarget, opts: { ca?: string[]; timeouts?: Partial<typeof IMAP_PROBE_TIMEOUTS> } = {}): Promise<ProbeReport> {
  const transcript: TranscriptEntry[] = [{ dir: 'info', text: `IMAP ${t.host}:${t.port} (${t.tls}), user ${t.user}` }];
  const steps: ProbeStep[] = [];
  const done = (): ProbeReport => ({ ok: steps.every((s) => s.ok), steps, transcript });
  let accessToken: string | undefined;
  try {
    accessToken = t.token ? await t.token() : undefined;
  } catch (err) {
    steps.push(failed('imap-login', `cannot get an XOAUTH2 token: ${messageOf(err)}`, 'check the identity\'s OAuth credentials (petrel identity set ... --oauth-refresh-token-stdin)'));
    return done();
  }
  const client = clientFor(t, accessToken, opts);
  client.on('error', (err: unknown) => void transcript.push({ dir: 'info', text: `error: ${messageOf(err)}` }));
  try {
    await client.connect();
  } catch (err) {
    steps.push(...connectFailure(t, err));
    transcript.push({ dir: 'info', text: messageOf(err) });
    client.close();
    return done();
  }
  steps.push({ step: 'imap-connect', ok: true, replies: [`connected to ${t.host}:${t.port}${t.tls === 'none' ? ' without TLS' : ` with TLS (${t.tls})`}`] });
  steps.push({ step: 'imap-login', ok: true, replies: [`logged in as ${t.user}${accessToken ? ' (XOAUTH2)' : ''}`] });
  steps.push(await folders(client));
  try {
    await client.logout();
    steps.push({ step: 'imap-logout', ok: true, replies: ['logged out'] });
  } catch (err) {
    steps.push({ step: 'imap-logout', ok: true, replies: [`the server closed without a LOGOUT reply: ${messageOf(err)}`] });
  }
  return done();
}

function clientFor(t: ImapTarget, accessToken: string | undefined, opts: { ca?: string[]; timeouts?: Partial<typeof IMAP_PROBE_TIMEOUTS> }): ImapFlow {
  const timeouts = { ...IMAP_PROBE_TIMEOUTS, ...opts.timeouts };
  return new ImapFlow({
    host: t.host, port: t.port, secure: t.tls === 'implicit', doSTARTTLS: t.tls === 'starttls' ? true : t.tls === 'none' ? false : undefined,
    auth: accessToken ? { user: t.user, accessToken } : { user: t.user, pass: t.password ?? '' },
    tls: { rejectUnauthorized: t.verify, ...(opts.ca && opts.ca.length > 0 ? { ca: opts.ca } : {}) },
    logger: false, connectionTimeout: timeouts.connection, greetingTimeout: timeouts.greeting, socketTimeout: timeouts.socket,
    disableAutoIdle: true,
  });
}

/** INBOX must be there; a \Junk folder is reported found or not (placement tests need it). */
async function folders(client: ImapFlow): Promise<ProbeStep> {
  try {
    const list = await client.list();
    const inbox = list.some((f) => f.path.toUpperCase() === 'INBOX');
    const junk = list.find((f) => f.specialUse === '\\Junk');
    const replies = [`${list.length} folders`, inbox ? 'INBOX found' : 'no INBOX', junk ? `\\Junk folder: ${junk.path}` : 'no \\Junk folder found (placement tests cannot see spam)'];
    return inbox ? { step: 'imap-folders', ok: true, replies } : { step: 'imap-folders', ok: false, replies, fix: 'the login has no INBOX: check --imap-user (a shared or alias login?)' };
  } catch (err) {
    return failed('imap-folders', `LIST failed: ${messageOf(err)}`, 'the server refused to list folders: check the account\'s IMAP access');
  }
}

interface ImapError {
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  responseText?: string;
  code?: string;
  message?: string;
}

function connectFailure(t: ImapTarget, err: unknown): ProbeStep[] {
  const e = (err ?? {}) as ImapError;
  if (e.authenticationFailed) {
    return [
      { step: 'imap-connect', ok: true, replies: [`connected to ${t.host}:${t.port}`] },
      failed('imap-login', `the server refused the login: ${e.responseText ?? messageOf(err)}`, loginFix(t)),
    ];
  }
  const fix = e.tlsFailed ? 'the TLS handshake failed: check --imap-tls (implicit on 993, starttls on 143) and the certificate (--no-imap-verify for a self-signed one)'
    : 'cannot reach the IMAP server: check --imap-host, --imap-port and --imap-tls';
  return [failed('imap-connect', `${e.code ? `${e.code}: ` : ''}${messageOf(err)}`, fix)];
}

function loginFix(t: ImapTarget): string {
  if (t.token) return 'the server refused the XOAUTH2 token: check the OAuth scopes include IMAP and the account has IMAP on';
  const provider = /gmail|google/i.test(t.host) ? ' (Gmail wants an app password, and IMAP on in its settings)' : '';
  return `check --imap-user and the IMAP password${provider}: petrel identity set NAME --imap-password-stdin`;
}

const failed = (step: ProbeStep['step'], reply: string, fix: string): ProbeStep => ({ step, ok: false, replies: [reply], fix });

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
