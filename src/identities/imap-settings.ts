// An identity's IMAP side from what the operator gives (`identity add|set --imap-*`, the API): a
// gmail or m365 preset fills the provider's IMAP server; the login defaults to the identity's address
// and the password to the relay's (an app password serves both); XOAUTH2 reuses the relay's OAuth.
import { StoreError } from '../store/errors.js';
import type { ImapSettings, ImapTls } from '../mailboxes/types.js';
import type { PresetName } from './presets.js';

/** The providers' IMAP servers (implicit TLS on 993). */
export const IMAP_PRESETS: Partial<Record<PresetName, { host: string; port: number; tls: ImapTls }>> = {
  gmail: { host: 'imap.gmail.com', port: 993, tls: 'implicit' },
  m365: { host: 'outlook.office365.com', port: 993, tls: 'implicit' },
};

export interface ImapInput {
  imap?: boolean | undefined;
  imapHost?: string | undefined;
  imapPort?: number | undefined;
  imapTls?: ImapTls | undefined;
  imapUser?: string | undefined;
  imapVerify?: boolean | undefined;
}

const invalid = (message: string): never => {
  throw new StoreError('invalid', message);
};

/** Whether the input asks for an IMAP side at all (--imap or any --imap-* flag). */
export function wantsImap(input: ImapInput & { imapPassword?: string | undefined }): boolean {
  return input.imap === true || [input.imapHost, input.imapPort, input.imapTls, input.imapUser, input.imapPassword].some((v) => v !== undefined);
}

/**
 * The settings for an identity sending as `from` (a domain identity needs --imap-user), merged over
 * `current` (identity set); `oauth`: the identity has XOAUTH2 credentials, used unless a password is given.
 */
export function buildImap(input: ImapInput, ctx: { from: string; preset?: PresetName | undefined; oauth: boolean; password: boolean; current?: ImapSettings | undefined }): ImapSettings {
  const preset = ctx.preset ? IMAP_PRESETS[ctx.preset] : undefined;
  const host = input.imapHost ?? ctx.current?.host ?? preset?.host ?? invalid('--imap needs --imap-host (or --preset gmail|m365)');
  const tls = input.imapTls ?? ctx.current?.tls ?? preset?.tls ?? 'implicit';
  const port = input.imapPort ?? ctx.current?.port ?? preset?.port ?? (tls === 'implicit' ? 993 : 143);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) invalid('--imap-port must be from 1 to 65535');
  const user = input.imapUser ?? ctx.current?.user ?? (ctx.from.includes('@') ? ctx.from : invalid('--imap-user is needed for a domain identity'));
  const auth = ctx.password ? 'password' : ctx.oauth ? 'xoauth2' : ctx.current?.auth ?? 'password';
  return { host: host.toLowerCase(), port, tls, user, verify: input.imapVerify ?? ctx.current?.verify ?? true, auth };
}
