// Builds the `petrel` command tree with commander: global --config/--data-dir, one module per group.
// Usage errors surface as CommanderError (exitOverride) so the caller decides the exit status.
import { Command } from 'commander';
import { registerApiKeyCommands } from './commands/apikey.js';
import { registerBounceCommands } from './commands/bounce.js';
import { registerContactsCommands } from './commands/contacts.js';
import { registerDomainCheck } from './commands/check.js';
import { registerDkimCommands } from './commands/dkim.js';
import { registerDomainCommands } from './commands/domain.js';
import { registerEventsCommands } from './commands/events.js';
import { registerInitCommand } from './commands/init.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerSendCommand } from './commands/send.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerSuppressCommands } from './commands/suppress.js';
import { registerUserCommands } from './commands/user.js';
import { packageVersion } from '../util/version.js';
import { registerWebhookCommands } from './commands/webhook.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerPoolCommands } from './commands/pool.js';
import { registerPlacementCommands } from './commands/placement.js';
import { registerShapingCommands } from './commands/shaping.js';
import { registerCampaignCommands } from './commands/campaign.js';

export function buildProgram(): Command {
  const program = new Command('petrel')
    .description('Petrel: a self-hosted email platform')
    .version(packageVersion())
    .option('--config <file>', 'configuration file (default: <dataDir>/petrel.yaml if it exists)')
    .option('--data-dir <dir>', 'data directory (default: $PETREL_DATA_DIR or ./petrel-data)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ outputError: (text, write) => write(`petrel: ${text.replace(/^error: /, '')}`) })
    // Subcommands inherit these two settings, so they must come before the commands are added.
    .exitOverride();
  registerServeCommand(program);
  registerInitCommand(program);
  registerUserCommands(program);
  registerDomainCommands(program);
  registerDkimCommands(program);
  registerDomainCheck(program);
  registerQueueCommands(program);
  registerSendCommand(program);
  registerBounceCommands(program);
  registerSuppressCommands(program);
  registerEventsCommands(program);
  registerStatsCommand(program);
  registerWebhookCommands(program);
  registerApiKeyCommands(program);
  registerIdentityCommands(program);
  registerPoolCommands(program);
  registerPlacementCommands(program);
  registerShapingCommands(program);
  registerCampaignCommands(program);
  registerContactsCommands(program);
  return program;
}
