// `petrel identity add|list|show|pause|resume|remove|test`: sending identities (docs/sending.md).
// Secrets come only from stdin and are stored sealed; bad flags exit 2, unknown names exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { pauseIdentity, resumeIdentity } from '../../identities/control.js';
import { buildIdentity, type IdentityInput } from '../../identities/create.js';
import { IdentityStore } from '../../identities/store.js';
import { removeIdentity } from '../../identities/release.js';
import { identityViews, type IdentityView } from '../../identities/view.js';
import { secretKeyPath } from '../../store/paths.js';
import { loadOrCreateSecretKey } from '../../store/seal.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatFields, formatTable } from '../io.js';
import { identityFlags, patchOf, secretsFromStdin, withIdentityFlags } from './identity-flags.js';
import { registerIdentitySet } from './identity-set.js';
import { registerIdentityTest } from './identity-test.js';

const addFlags = identityFlags.extend({
  from: z.string({ error: '--from is required' }),
  via: z.enum(['mta', 'relay'], { error: '--via must be mta or relay' }),
});
const jsonOption = z.object({ json: z.boolean().default(false) });

export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity').description('sending identities: addresses or domains and the way their mail leaves');
  const add = identity.command('add <name>');
  withIdentityFlags(add
    .description('add an identity (relay passwords and OAuth tokens are read from stdin and stored sealed)')
    .requiredOption('--from <address>', 'the address it sends as, or a domain for every address of it')
    .requiredOption('--via <how>', 'mta: Petrel delivers by MX; relay: through its own SMTP submission account'), false)
    .action(async (name: string, raw: unknown, command: Command) => addIdentity(name, addFlags.parse(raw), command));
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
  registerIdentitySet(identity);
  registerIdentityTest(identity);
}

async function addIdentity(name: string, o: z.infer<typeof addFlags>, command: Command): Promise<void> {
  const config = configFor(command);
  if ((o.oauthTokenUrl === undefined) !== (o.oauthClientId === undefined) || (o.oauthRefreshTokenStdin && !o.oauthTokenUrl)) {
    throw new UsageError('XOAUTH2 needs --oauth-token-url, --oauth-client-id and --oauth-refresh-token-stdin');
  }
  const patch = patchOf(o, await secretsFromStdin(o));
  const identity = buildIdentity({ ...patch, name, from: o.from, via: o.via, oauth: patch.oauth as IdentityInput['oauth'] });
  if (identity.source && !config.delivery.sources.some((s) => s.address === identity.source)) {
    process.stderr.write(`petrel: note: ${identity.source} is not in delivery.sources; its EHLO name will be the hostname\n`);
  }
  const added = await withDatabase(config, (db) => new IdentityStore(db, loadOrCreateSecretKey(secretKeyPath(config))).add(identity, processClock()()));
  const how = added.via === 'relay' ? `via ${added.relay!.host}:${added.relay!.port}` : `by MX${added.source ? ` from ${added.source}` : ''}`;
  process.stdout.write(`added identity ${added.name} (${added.from}, ${how})\n`);
}

const rate = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

function listTable(views: IdentityView[]): string {
  if (views.length === 0) return 'no identities\n';
  const rows = views.map((v) => [v.name, v.from, v.via, v.state, `${v.sentToday}/${v.capToday ?? '-'}`, v.warmupDay === null ? '-' : String(v.warmupDay), rate(v.bounceRate), rate(v.complaintRate), mailboxCell(v), v.reason ?? '']);
  return formatTable(['name', 'from', 'via', 'state', 'today', 'warm-up day', 'bounces', 'complaints', 'mailbox', 'reason'], rows);
}

/** The mailbox column: its watcher's state, LOGIN FAILED standing out. */
function mailboxCell(v: IdentityView): string {
  if (!v.imap) return '-';
  if (!v.mailbox) return 'not watched';
  return v.mailbox.state === 'auth-failed' ? 'LOGIN FAILED' : v.mailbox.state;
}

/** The mailbox lines of `identity show`: settings (no secrets) and the watcher's state. */
function mailboxFields(v: IdentityView): Array<[string, string]> {
  if (!v.imap) return [['imap', 'none'], ['warm-up network', v.warmupNetwork ? 'yes' : 'no']];
  const m = v.mailbox;
  const state = !m ? 'not watched yet'
    : m.state === 'auth-failed' ? `IMAP login failed: ${m.error ?? 'the server refused the credentials'} (since ${m.since}); fix with petrel identity set ${v.name} --imap-password-stdin`
      : `${m.state}${m.error ? `: ${m.error}` : ''} (since ${m.since})`;
  return [
    ['imap', `${v.imap.host}:${v.imap.port} (${v.imap.tls}${v.imap.verify ? '' : ', unverified'}, user ${v.imap.user}, ${v.imap.auth === 'xoauth2' ? 'XOAUTH2' : 'password'})`],
    ['mailbox', state], ['warm-up network', v.warmupNetwork ? 'yes' : 'no'],
  ];
}

function showText(v: IdentityView): string {
  const fields: Array<[string, string]> = [
    ['name', v.name], ['from', v.from], ['via', v.relay ? `relay ${v.relay.host}:${v.relay.port} (${v.relay.tls}${v.relay.user ? `, user ${v.relay.user}` : ''}${v.relay.oauth ? ', XOAUTH2' : ''})` : `mta${v.source ? ` from ${v.source}` : ''}`],
    ['state', v.reason ? `${v.state}: ${v.reason}` : v.state], ['today', `${v.sentToday} sent of ${v.capToday ?? 'no cap'}`],
    ['caps', `daily ${v.dailyCap ?? '-'}, hourly ${v.hourlyCap ?? '-'}, min gap ${v.minGapSeconds} s${v.preset ? `, ${v.preset} ceilings ${JSON.stringify(v.hardCaps)}` : ''}`],
    ['warm-up', v.warmup ? `${v.warmup}, day ${v.warmupDay}` : 'none'], ['time zone', v.timeZone],
    ...mailboxFields(v),
    ['last 24 h', `${v.last24h.sent} sent, ${v.last24h.delivered} delivered, ${v.last24h.hardBounces} hard, ${v.last24h.softBounces} soft, ${v.last24h.blocks} blocks, ${v.last24h.complaints} complaints`],
  ];
  const actions = v.actions.map((a) => `  ${a.inForce ? 'IN FORCE' : 'ended'}  ${a.rule}: ${a.action}${a.rate !== null ? ` to ${a.rate}/min` : ''} ${a.scope}${a.provider ? ` towards ${a.provider}` : ''} until ${a.endsAt}\n    reply: ${a.reply ?? '-'}`);
  return formatFields(fields) + (actions.length > 0 ? `actions:\n${actions.join('\n')}\n` : '');
}
