// The flags `identity add` and `identity set` share: one option list, one zod schema, one stdin reader
// for the secrets. `set` leaves every flag optional and adds the --no-* forms that undo a setting.
import type { Command } from 'commander';
import { z } from 'zod';
import { IDENTITY_VIAS, RELAY_TLS } from '../../identities/types.js';
import type { IdentityPatch } from '../../identities/update.js';
import { IMAP_TLS } from '../../mailboxes/types.js';
import { UsageError } from '../errors.js';
import { readPasswordFromStdin } from '../io.js';

const count = (flag: string) => z.coerce.number({ error: `${flag} must be a number` }).int({ error: `${flag} must be a whole number` });

export const identityFlags = z.object({
  from: z.string().optional(),
  via: z.enum(IDENTITY_VIAS, { error: '--via must be mta or relay' }).optional(),
  relayHost: z.string().optional(),
  relayPort: count('--relay-port').optional(),
  relayTls: z.enum(RELAY_TLS, { error: '--relay-tls must be starttls, implicit or none' }).optional(),
  relayUser: z.string().optional(),
  relayPasswordStdin: z.boolean().default(false),
  relayVerify: z.boolean().optional(),
  oauthTokenUrl: z.url({ error: '--oauth-token-url must be a URL' }).optional(),
  oauthClientId: z.string().optional(),
  oauthScope: z.string().optional(),
  oauthRefreshTokenStdin: z.boolean().default(false),
  preset: z.enum(['gmail', 'm365', 'esp'], { error: '--preset must be gmail, m365 or esp' }).optional(),
  source: z.string().optional(),
  dailyCap: count('--daily-cap').optional(),
  hourlyCap: count('--hourly-cap').optional(),
  minGapSeconds: z.coerce.number({ error: '--min-gap-seconds must be a number' }).optional(),
  warmup: z.string().optional(),
  timeZone: z.string().optional(),
  imap: z.boolean().optional(),
  imapHost: z.string().optional(),
  imapPort: count('--imap-port').optional(),
  imapTls: z.enum(IMAP_TLS, { error: '--imap-tls must be implicit, starttls or none' }).optional(),
  imapUser: z.string().optional(),
  imapPasswordStdin: z.boolean().default(false),
  imapVerify: z.boolean().optional(),
  warmupNetwork: z.boolean().optional(),
});
export type IdentityFlags = z.infer<typeof identityFlags>;

/** Register the flags on `add` (set: false) or `set` (set: true, with the --no-* forms). */
export function withIdentityFlags(command: Command, set: boolean): Command {
  const negatable = (flag: string, yes: string, no: string) => {
    if (set) command.option(`--${flag}`, yes);
    command.option(`--no-${flag}`, no);
  };
  command
    .option('--relay-host <host>', 'relay host (a preset fills it in)')
    .option('--relay-port <port>', 'relay port (default: the preset\'s, else 587)')
    .option('--relay-tls <mode>', 'starttls, implicit (465) or none')
    .option('--relay-user <user>', 'AUTH user (default: the --from address)')
    .option('--relay-password-stdin', 'read the relay password (or app password) from stdin');
  negatable('relay-verify', 'verify the relay\'s certificate', 'do not verify the relay\'s certificate');
  command
    .option('--oauth-token-url <url>', 'XOAUTH2: the OAuth2 token endpoint')
    .option('--oauth-client-id <id>', 'XOAUTH2: the OAuth2 client id')
    .option('--oauth-scope <scopes>', 'XOAUTH2: scopes sent on refresh (Microsoft wants them)')
    .option('--oauth-refresh-token-stdin', 'XOAUTH2: read the refresh token (line 1) and client secret (line 2, optional) from stdin')
    .option('--preset <name>', 'gmail, m365 or esp: host, port, TLS and the provider\'s ceilings')
    .option('--source <ip>', 'mta: the local address to send from (one of delivery.sources)')
    .option('--daily-cap <n>', 'sends a day (the preset\'s cold-outreach default otherwise)')
    .option('--hourly-cap <n>', 'sends in any hour')
    .option('--min-gap-seconds <s>', 'at least this long between two sends (plus jitter)')
    .option('--warmup <ramp>', 'START,STEP,TARGET sends a day (e.g. 5,2,40) or START,STEP%,TARGET')
    .option('--time-zone <zone>', 'the zone its days count in (default UTC)')
    .option('--imap', 'watch its mailbox over IMAP (a gmail or m365 preset fills the server)');
  if (set) command.option('--no-imap', 'stop watching its mailbox: remove the IMAP side and its password');
  command
    .option('--imap-host <host>', 'IMAP server (implies --imap)')
    .option('--imap-port <port>', 'IMAP port (default 993, or 143 without implicit TLS)')
    .option('--imap-tls <mode>', 'implicit (993), starttls or none')
    .option('--imap-user <user>', 'IMAP login (default: the --from address)')
    .option('--imap-password-stdin', 'read the IMAP password from stdin (after the relay password\'s line when both are read); default: the relay password');
  negatable('imap-verify', 'verify the IMAP server\'s certificate', 'do not verify the IMAP server\'s certificate');
  command.option('--warmup-network', 'send and receive warm-up mail among the identities so flagged');
  if (set) command.option('--no-warmup-network', 'leave the warm-up network');
  return command;
}

/** The secrets the flags ask for, from stdin: relay and IMAP passwords (one a line when both), or OAuth. */
export async function secretsFromStdin(o: IdentityFlags): Promise<{ relayPassword?: string; imapPassword?: string; refreshToken?: string; clientSecret?: string }> {
  if (o.relayPasswordStdin && o.oauthRefreshTokenStdin) throw new UsageError('give --relay-password-stdin or --oauth-refresh-token-stdin, not both');
  if (o.imapPasswordStdin && o.oauthRefreshTokenStdin) throw new UsageError('give --imap-password-stdin or --oauth-refresh-token-stdin, not both');
  if (o.oauthRefreshTokenStdin) {
    const [refreshToken, clientSecret] = (await stdinLines()).map((l) => l.trim());
    if (!refreshToken) throw new UsageError('--oauth-refresh-token-stdin: no refresh token on stdin');
    return { refreshToken, ...(clientSecret ? { clientSecret } : {}) };
  }
  if (o.relayPasswordStdin && o.imapPasswordStdin) {
    const [relayPassword, imapPassword] = await stdinLines();
    if (!relayPassword || !imapPassword) throw new UsageError('--relay-password-stdin with --imap-password-stdin: the relay password on line 1, the IMAP password on line 2');
    return { relayPassword, imapPassword };
  }
  if (o.relayPasswordStdin) return { relayPassword: await readPasswordFromStdin() };
  if (o.imapPasswordStdin) return { imapPassword: await readPasswordFromStdin() };
  return {};
}

async function stdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

/** The flags and stdin secrets as the fields buildIdentity and mergeIdentity take (undefined: not given). */
export function patchOf(o: IdentityFlags, s: Awaited<ReturnType<typeof secretsFromStdin>>): IdentityPatch {
  const oauthGiven = o.oauthTokenUrl !== undefined || o.oauthClientId !== undefined || o.oauthScope !== undefined || s.refreshToken !== undefined;
  return {
    from: o.from, via: o.via, preset: o.preset, relayHost: o.relayHost, relayPort: o.relayPort, relayTls: o.relayTls, relayUser: o.relayUser,
    relayPassword: s.relayPassword, relayVerify: o.relayVerify, source: o.source, dailyCap: o.dailyCap, hourlyCap: o.hourlyCap,
    minGapSeconds: o.minGapSeconds, warmup: o.warmup, timeZone: o.timeZone, imap: o.imap, imapHost: o.imapHost, imapPort: o.imapPort,
    imapTls: o.imapTls, imapUser: o.imapUser, imapVerify: o.imapVerify, imapPassword: s.imapPassword, warmupNetwork: o.warmupNetwork,
    ...(oauthGiven ? { oauth: { tokenUrl: o.oauthTokenUrl, clientId: o.oauthClientId, scope: o.oauthScope, refreshToken: s.refreshToken, clientSecret: s.clientSecret } } : {}),
  };
}
