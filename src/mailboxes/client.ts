// An ImapFlow connection for an identity's mailbox: TLS per its settings, a password (the IMAP app
// password, else the relay's) or an XOAUTH2 token from the identity's OAuth refresh token.
import { createHash } from 'node:crypto';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { OAuthTokenSupplier } from '../delivery/oauth-token.js';
import type { Identity, IdentitySecret } from '../identities/types.js';
import type { Logger } from '../util/log.js';
import type { ImapSettings } from './types.js';

/** A login the server refused (or OAuth credentials that cannot give a token): retried only later. */
export class LoginRefused extends Error {
  override readonly name = 'LoginRefused';
}

/** What makes a connection: settings and secret. A changed version means reconnect. */
export function versionOf(identity: Identity, secret: IdentitySecret): string {
  const s = identity.imap!;
  const digest = createHash('sha256').update(JSON.stringify([secret.imapPassword ?? secret.password ?? '', secret.refreshToken ?? '', identity.relay?.oauth ?? null])).digest('hex').slice(0, 16);
  return `${s.host}|${s.port}|${s.tls}|${s.user}|${s.verify}|${s.auth}|${digest}`;
}

/** Builds the auth part; an OAuth identity gets a token supplier that is kept between connections. */
export function authSource(identity: Identity, secret: IdentitySecret): () => Promise<ImapFlowOptions['auth']> {
  const s = identity.imap!;
  const oauth = identity.relay?.oauth;
  if (s.auth === 'xoauth2') {
    if (!oauth || !secret.refreshToken) return () => Promise.reject(new LoginRefused('xoauth2: the identity has no OAuth refresh token'));
    const supplier = new OAuthTokenSupplier({
      tokenUrl: oauth.tokenUrl, clientId: oauth.clientId, refreshToken: secret.refreshToken,
      ...(secret.clientSecret ? { clientSecret: secret.clientSecret } : {}), ...(oauth.scope ? { scope: oauth.scope } : {}),
    });
    return async () => {
      supplier.invalidate(); // a fresh token per login: a refused one is never reused
      try {
        return { user: s.user, accessToken: await supplier.token() };
      } catch (error) {
        const e = error as { permanent?: boolean; message: string };
        if (e.permanent) throw new LoginRefused(e.message);
        throw error;
      }
    };
  }
  const pass = secret.imapPassword ?? secret.password;
  if (pass === undefined) return () => Promise.reject(new LoginRefused('no IMAP password (identity add --imap-password-stdin)'));
  return () => Promise.resolve({ user: s.user, pass });
}

export function makeClient(s: ImapSettings, auth: ImapFlowOptions['auth'], log: Logger): ImapFlow {
  return new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.tls === 'implicit',
    doSTARTTLS: s.tls === 'starttls' ? true : s.tls === 'none' ? false : undefined,
    tls: { rejectUnauthorized: s.verify },
    auth,
    logger: debugBridge(log),
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    // IDLE as soon as the connection is free: a Junk STATUS must not keep INBOX out of IDLE for long.
    autoIdleDelay: 250,
    socketTimeout: 30 * 60_000,
  });
}

/** True when the error is a refused login (imapflow's AuthenticationFailure). */
export function isLoginRefused(error: unknown): boolean {
  return error instanceof LoginRefused || (typeof error === 'object' && error !== null && (error as { authenticationFailed?: boolean }).authenticationFailed === true);
}

/** A one-line reason without secrets: the server's text where it gave one. */
export function errorText(error: unknown): string {
  const e = error as { responseText?: string; message?: string; code?: string };
  const text = e?.responseText || e?.message || String(error);
  return (e?.code && !text.includes(e.code) ? `${e.code}: ${text}` : text).slice(0, 300);
}

/** imapflow's logger at our debug level only (it logs every command at debug/trace). */
function debugBridge(log: Logger): ImapFlowOptions['logger'] {
  if (!log.isLevelEnabled('debug')) return false;
  const child = log.child({ component: 'imap' });
  const at = (o: unknown) => child.debug({ imap: o && typeof o === 'object' ? { msg: (o as { msg?: string }).msg, cid: (o as { cid?: string }).cid } : o });
  return { debug: () => undefined, info: at, warn: at, error: at };
}

/** The key a message is remembered by across a UIDVALIDITY change: its Message-ID, else a digest. */
export function messageKey(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const header = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ');
  const id = /^message-id:\s*<?([^>\s]+)>?/im.exec(header)?.[1];
  return id ? `<${id}>` : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}
