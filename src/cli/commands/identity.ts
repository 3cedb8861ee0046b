// `petrel identity add|list|show|pause|resume|remove|test`: sending identities (docs/sending.md).
// Secrets come only from stdin and are stored sealed; bad flags exit 2, unknown names exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { pauseIdentity, resumeIdentity } from '../../identities/control.js';
import { buildIdentity } from '../../identities/create.js';
import { IdentityStore } from '../../identities/store.js';
import { removeIdentity } from '../../identities/release.js';
import { identityViews, type IdentityView } from '../../identities/view.js';
import { secretKeyPath } from '../../store/paths.js';
import { loadOrCreateSecretKey } from '../../store/seal.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatFields, formatTable, readPasswordFromStdin } from '../io.js';
import { registerIdentityTest } from './identity-test.js';

const count = (flag: string) => z.coerce.number({ error: `${flag} must be a number` }).int({ error: `${flag} must be a whole number` });

const addOptions = z.object({
  from: z.string({ error: '--from is required' }),
  via: z.enum(['mta', 'relay'], { error: '--via must be mta or relay' }),
  relayHost: z.string().optional(),
  relayPort: count('--relay-port').optional(),
  relayTls: z.enum(['starttls', 'implicit', 'none'], { error: '--relay-tls must be starttls, implicit or none' }).optional(),
  relayUser: z.string().optional(),
  relayPasswordStdin: z.boolean().default(false),
  relayVerify: z.boolean().default(true),
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
  imapTls: z.enum(['implicit', 'starttls', 'none'], { error: '--imap-tls must be implicit, starttls or none' }).optional(),
  imapUser: z.string().optional(),
  imapPasswordStdin: z.boolean().default(false),
  imapVerify: z.boolean().optional(),
  warmupNetwork: z.boolean().default(false),
});
const jsonOption = z.object({ json: z.boolean().default(false) });

export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity').description('sending identities: addresses or domains and the way their mail leaves');
  identity
    .command('add <name>')
    .description('add an identity (relay passwords and OAuth tokens are read from stdin and stored sealed)')
    .requiredOption('--from <address>', 'the address it sends as, or a domain for every address of it')
    .requiredOption('--via <how>', 'mta: Petrel delivers by MX; relay: through its own SMTP submission account')
    .option('--relay-host <host>', 'relay host (a preset fills it in)')
    .option('--relay-port <port>', 'relay port (default: the preset\'s, else 587)')
    .option('--relay-tls <mode>', 'starttls, implicit (465) or none')
    .option('--relay-user <user>', 'AUTH user (default: the --from address)')
    .option('--relay-password-stdin', 'read the relay password (or app password) from stdin')
    .option('--no-relay-verify', 'do not verify the relay\'s certificate')
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
    .option('--imap', 'watch its mailbox over IMAP (a gmail or m365 preset fills the server)')
    .option('--imap-host <host>', 'IMAP server (implies --imap)')
    .option('--imap-port <port>', 'IMAP port (default 993, or 143 without implicit TLS)')
    .option('--imap-tls <mode>', 'implicit (993), starttls or none')
    .option('--imap-user <user>', 'IMAP login (default: the --from address)')
    .option('--imap-password-stdin', 'read the IMAP password from stdin (after the relay password\'s line when both are read); default: the relay password')
    .option('--no-imap-verify', 'do not verify the IMAP server\'s certificate')
    .option('--warmup-network', 'send and receive warm-up mail among the identities so flagged')
    .action(async (name: string, raw: unknown, command: Command) => add(name, addOptions.parse(raw), command));
  identity
    .command('list')
    .description('identities with state, today\'s sends against today\'s cap, warm-up day and rates')
    .option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const views = await withDatabase(configFor(command), (db) => identityViews(db, new IdentityStore(db).list(), processClock()()));
      process.stdout.write(json ? `${JSON.stringify(views, null, 2)}\n` : listTable(views));
    });
  identity
    .command('show <name>')
    .description('one identity: settings, figures, and the shaping actions with the replies that triggered them')
    .option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const view = await withDatabase(configFor(command), (db) => {
        const found = new IdentityStore(db).get(name);
        return found ? identityViews(db, [found], processClock()())[0]! : null;
      });
      if (!view) throw new Error(`no identity ${name}`);
      process.stdout.write(json ? `${JSON.stringify(view, null, 2)}\n` : showText(view));
    });
  identity
    .command('pause <name>')
    .description('hold its mail in the queue (nothing is bounced) until `identity resume`')
    .option('--reason <text>', 'why (shown in identity list)')
    .action(async (name: string, raw: { reason?: string }, command: Command) => {
      const ok = await withDatabase(configFor(command), (db) => pauseIdentity(db, name, { reason: raw.reason ?? 'paused by the operator', by: 'operator', now: processClock()() }));
      if (!ok) throw new Error(`no identity ${name}`);
      process.stdout.write(`paused ${name}: its mail waits in the queue\n`);
    });
  identity
    .command('resume <name>')
    .description('send again: ends its pause and shaping actions, and releases its waiting mail')
    .action(async (name: string, _raw: unknown, command: Command) => {
      const released = await withDatabase(configFor(command), (db) => resumeIdentity(db, name, processClock()()));
      if (released === null) throw new Error(`no identity ${name}`);
      process.stdout.write(`resumed ${name}: ${released} waiting ${released === 1 ? 'recipient' : 'recipients'} due now\n`);
    });
  identity
    .command('remove <name>')
    .description('remove it (its queued mail then leaves by the default route)')
    .action(async (name: string, _raw: unknown, command: Command) => {
      const released = await withDatabase(configFor(command), (db) => removeIdentity(db, name, processClock()()));
      if (released === null) throw new Error(`no identity ${name}`);
      process.stdout.write(`removed identity ${name}; ${released} waiting ${released === 1 ? 'recipient leaves' : 'recipients leave'} by the default route\n`);
    });
  registerIdentityTest(identity);
}

async function add(name: string, o: z.infer<typeof addOptions>, command: Command): Promise<void> {
  const config = configFor(command);
  if (o.relayPasswordStdin && o.oauthRefreshTokenStdin) throw new UsageError('give --relay-password-stdin or --oauth-refresh-token-stdin, not both');
  if ((o.oauthTokenUrl === undefined) !== (o.oauthClientId === undefined) || (o.oauthRefreshTokenStdin && !o.oauthTokenUrl)) {
    throw new UsageError('XOAUTH2 needs --oauth-token-url, --oauth-client-id and --oauth-refresh-token-stdin');
  }
  if (o.imapPasswordStdin && o.oauthRefreshTokenStdin) throw new UsageError('give --imap-password-stdin or --oauth-refresh-token-stdin, not both');
  const [password, imapPassword] = o.relayPasswordStdin && o.imapPasswordStdin ? await twoPasswordsFromStdin()
    : [o.relayPasswordStdin ? await readPasswordFromStdin() : undefined, o.imapPasswordStdin ? await readPasswordFromStdin() : undefined];
  const oauth = o.oauthTokenUrl && o.oauthClientId ? await oauthFromStdin(o.oauthTokenUrl, o.oauthClientId, o.oauthScope) : undefined;
  const identity = buildIdentity({
    name, from: o.from, via: o.via, preset: o.preset, relayHost: o.relayHost, relayPort: o.relayPort, relayTls: o.relayTls, relayUser: o.relayUser,
    relayPassword: password, relayVerify: o.relayVerify, oauth, source: o.source, dailyCap: o.dailyCap, hourlyCap: o.hourlyCap,
    minGapSeconds: o.minGapSeconds, warmup: o.warmup, timeZone: o.timeZone, imap: o.imap, imapHost: o.imapHost, imapPort: o.imapPort,
    imapTls: o.imapTls, imapUser: o.imapUser, imapVerify: o.imapVerify, imapPassword, warmupNetwork: o.warmupNetwork,
  });
  if (identity.source && !config.delivery.sources.some((s) => s.address === identity.source)) {
    process.stderr.write(`petrel: note: ${identity.source} is not in delivery.sources; its EHLO name will be the hostname\n`);
  }
  const added = await withDatabase(config, (db) => new IdentityStore(db, loadOrCreateSecretKey(secretKeyPath(config))).add(identity, processClock()()));
  const how = added.via === 'relay' ? `via ${added.relay!.host}:${added.relay!.port}` : `by MX${added.source ? ` from ${added.source}` : ''}`;
  process.stdout.write(`added identity ${added.name} (${added.from}, ${how})\n`);
}

/** Line 1: the relay password, line 2: the IMAP password. */
async function twoPasswordsFromStdin(): Promise<[string, string]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const [relay, imap] = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  if (!relay || !imap) throw new UsageError('--relay-password-stdin with --imap-password-stdin: the relay password on line 1, the IMAP password on line 2');
  return [relay, imap];
}

async function oauthFromStdin(tokenUrl: string, clientId: string, scope: string | undefined) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const [refreshToken, clientSecret] = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim());
  if (!refreshToken) throw new UsageError('--oauth-refresh-token-stdin: no refresh token on stdin');
  return { tokenUrl, clientId, scope, refreshToken, ...(clientSecret ? { clientSecret } : {}) };
}

const rate = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

function listTable(views: IdentityView[]): string {
  if (views.length === 0) return 'no identities\n';
  const rows = views.map((v) => [v.name, v.from, v.via, v.state, `${v.sentToday}/${v.capToday ?? '-'}`, v.warmupDay === null ? '-' : String(v.warmupDay), rate(v.bounceRate), rate(v.complaintRate), v.reason ?? '']);
  return formatTable(['name', 'from', 'via', 'state', 'today', 'warm-up day', 'bounces', 'complaints', 'reason'], rows);
}

function showText(v: IdentityView): string {
  const fields: Array<[string, string]> = [
    ['name', v.name], ['from', v.from], ['via', v.relay ? `relay ${v.relay.host}:${v.relay.port} (${v.relay.tls}${v.relay.user ? `, user ${v.relay.user}` : ''}${v.relay.oauth ? ', XOAUTH2' : ''})` : `mta${v.source ? ` from ${v.source}` : ''}`],
    ['state', v.reason ? `${v.state}: ${v.reason}` : v.state], ['today', `${v.sentToday} sent of ${v.capToday ?? 'no cap'}`],
    ['caps', `daily ${v.dailyCap ?? '-'}, hourly ${v.hourlyCap ?? '-'}, min gap ${v.minGapSeconds} s${v.preset ? `, ${v.preset} ceilings ${JSON.stringify(v.hardCaps)}` : ''}`],
    ['warm-up', v.warmup ? `${v.warmup}, day ${v.warmupDay}` : 'none'], ['time zone', v.timeZone],
    ['last 24 h', `${v.last24h.sent} sent, ${v.last24h.delivered} delivered, ${v.last24h.hardBounces} hard, ${v.last24h.softBounces} soft, ${v.last24h.blocks} blocks, ${v.last24h.complaints} complaints`],
  ];
  const actions = v.actions.map((a) => `  ${a.inForce ? 'IN FORCE' : 'ended'}  ${a.rule}: ${a.action}${a.rate !== null ? ` to ${a.rate}/min` : ''} ${a.scope}${a.provider ? ` towards ${a.provider}` : ''} until ${a.endsAt}\n    reply: ${a.reply ?? '-'}`);
  return formatFields(fields) + (actions.length > 0 ? `actions:\n${actions.join('\n')}\n` : '');
}
