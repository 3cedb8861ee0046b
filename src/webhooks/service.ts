// Composes webhooks for `petrel serve`: syncs the config endpoints into the table and starts the
// dispatcher on the main database connection. Throws ConfigError when a secretEnv is unset.
import { readFileSync } from 'node:fs';
import type { PetrelConfig } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { checkWebhookSecrets, configSecrets, syncConfigEndpoints } from './config-endpoints.js';
import { WebhookDispatcher } from './dispatcher.js';
import { secretResolver } from './secrets.js';
import { WebhookStore } from './store.js';

/** For tests only (undocumented in the config): the first retry delay in ms instead of 10 s. */
export const RETRY_BASE_ENV = 'PETREL_WEBHOOK_RETRY_BASE_MS';

/** Sync the config endpoints and start sending. @example const webhooks = startWebhooks(config, db, log) */
export function startWebhooks(config: PetrelConfig, db: Db, log: Logger, env: NodeJS.ProcessEnv = process.env): WebhookDispatcher {
  const w = config.webhooks;
  checkWebhookSecrets(config, env);
  const store = new WebhookStore(db);
  const synced = syncConfigEndpoints(store, w.endpoints, Date.now());
  if (synced.added.length + synced.removed.length > 0) log.info({ event: 'webhooks-synced', ...synced }, 'config webhook endpoints synced');
  const dispatcher = new WebhookDispatcher({
    store,
    secretOf: secretResolver(config.dataDir, configSecrets(w.endpoints, env)),
    batchSize: w.batchSize,
    timeoutMs: w.timeoutMs,
    retryHours: w.retryHours,
    userAgent: userAgent(),
    backoff: { ...DEFAULT_BACKOFF, baseMs: retryBase(env) },
    log,
  });
  dispatcher.start();
  return dispatcher;
}

function retryBase(env: NodeJS.ProcessEnv): number {
  const value = Number(env[RETRY_BASE_ENV]);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_BACKOFF.baseMs;
}

/** `Petrel/<version>` from package.json (at the root, above dist/src/webhooks/). */
export function userAgent(): string {
  try {
    const parsed = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return `Petrel/${String(parsed.version ?? 'unknown')}`;
  } catch {
    return 'Petrel/unknown';
  }
}
