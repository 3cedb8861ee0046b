// Builds the `petrel` command tree with commander: global --config/--data-dir, one module per group.
// Usage errors surface as CommanderError (exitOverride) so the caller decides the exit status.
import { Command } from 'commander';
import { packageVersion } from '../util/version.js';

type Register = (program: Command) => void;

/**
 * The command groups and the modules that register them, in help order. Only the group named on the
 * command line is imported (a CLI run loads a fraction of the program: tests spawn it hundreds of
 * times); help, an unknown command or none at all loads every group.
 */
const GROUPS: Record<string, Array<() => Promise<Register>>> = {
  serve: [async () => (await import('./commands/serve.js')).registerServeCommand],
  init: [async () => (await import('./commands/init.js')).registerInitCommand],
  user: [async () => (await import('./commands/user.js')).registerUserCommands],
  domain: [async () => (await import('./commands/domain.js')).registerDomainCommands, async () => (await import('./commands/check.js')).registerDomainCheck],
  dkim: [async () => (await import('./commands/dkim.js')).registerDkimCommands],
  queue: [async () => (await import('./commands/queue.js')).registerQueueCommands],
  send: [async () => (await import('./commands/send.js')).registerSendCommand],
  bounce: [async () => (await import('./commands/bounce.js')).registerBounceCommands],
  suppress: [async () => (await import('./commands/suppress.js')).registerSuppressCommands],
  events: [async () => (await import('./commands/events.js')).registerEventsCommands],
  stats: [async () => (await import('./commands/stats.js')).registerStatsCommand],
  webhook: [async () => (await import('./commands/webhook.js')).registerWebhookCommands],
  apikey: [async () => (await import('./commands/apikey.js')).registerApiKeyCommands],
  identity: [async () => (await import('./commands/identity.js')).registerIdentityCommands],
  pool: [async () => (await import('./commands/pool.js')).registerPoolCommands],
  placement: [async () => (await import('./commands/placement.js')).registerPlacementCommands],
  shaping: [async () => (await import('./commands/shaping.js')).registerShapingCommands],
  campaign: [async () => (await import('./commands/campaign.js')).registerCampaignCommands],
  contacts: [async () => (await import('./commands/contacts.js')).registerContactsCommands],
  mailbox: [async () => (await import('./commands/mailbox.js')).registerMailboxCommands],
  warmup: [async () => (await import('./commands/warmup.js')).registerWarmupCommands],
  inbox: [async () => (await import('./commands/inbox.js')).registerInboxCommands],
  node: [async () => (await import('./commands/node.js')).registerNodeCommands],
  'migrate-store': [async () => (await import('./commands/migrate-store.js')).registerMigrateStoreCommand],
};

/** The program for `argv` (as in process.argv): the named group's commands, or all of them. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('petrel')
    .description('Petrel: a self-hosted email platform')
    .version(packageVersion())
    .option('--config <file>', 'configuration file (default: <dataDir>/petrel.yaml if it exists)')
    .option('--data-dir <dir>', 'data directory (default: $PETREL_DATA_DIR or ./petrel-data)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(`petrel: ${text.replace(/^error: /, '')}`) })
    // Subcommands inherit these two settings, so they must come before the commands are added.
    .exitOverride();
  const group = commandName(argv.slice(2));
  const loaders = group !== undefined && Object.hasOwn(GROUPS, group) ? GROUPS[group]! : Object.values(GROUPS).flat();
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
  return program;
}

/** The first word that is not a global option or its value. */
function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--config' || arg === '--data-dir') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
