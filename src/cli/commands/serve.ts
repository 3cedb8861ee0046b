// `petrel serve`: load the config, start every listener, and stop cleanly on SIGTERM or SIGINT.
// Startup failures (bad config, port in use) reject to the CLI's error handler; a failed shutdown exits 1.
import type { Command } from 'commander';
import { checkRelaySecrets } from '../../config/load.js';
import { maskSecrets } from '../../config/mask.js';
import { createLogger, type Logger } from '../../util/log.js';
import { configFor } from '../context.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the SMTP listeners until SIGTERM or SIGINT')
    .action(async (_raw: unknown, command: Command) => {
      const config = configFor(command);
      checkRelaySecrets(config);
      const log = createLogger(config);
      log.info({ config: maskSecrets(config) }, 'effective configuration');
      // Loaded on demand so the admin commands never pull in the SMTP engine.
      const { serve } = await import('../../app/serve.js');
      const server = await serve(config, log);
      const signal = await shutdownSignal(log);
      log.info({ signal }, 'shutting down');
      await stopAndExit(server, log);
    });
}

/** Resolves on the first SIGTERM/SIGINT; a second one while shutting down exits at once. */
function shutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      process.once('SIGTERM', forceExit).once('SIGINT', forceExit);
      resolve(signal);
    };
    const forceExit = (signal: NodeJS.Signals) => {
      log.warn({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}

async function stopAndExit(server: { close(): Promise<void> }, log: Logger): Promise<never> {
  try {
    await server.close();
    log.info('stopped');
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
  // Exit explicitly: a stuck client socket or timer must not keep a stopped server alive.
  process.exit(0);
}
