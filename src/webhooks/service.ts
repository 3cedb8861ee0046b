// Composes webhooks for `petrel serve`: syncs the config endpoints into the table and starts the
// dispatcher (cluster mode: for the endpoints this node leases). Throws ConfigError on an unset secretEnv.
import { readFileSync } from 'node:fs';
import type { PetrelConfig } from '../config/schema.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import type { ClusterNode } from '../cluster/node.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { ClusterEndpointSource } from './cluster-source.js';
import { checkWebhookSecrets, configSecrets, syncConfigEndpoints } from './config-endpoints.js';
import { WebhookDispatcher, type EndpointSource } from './dispatcher.js';
import { secretResolver } from './secrets.js';
import { WebhookStore } from './store.js';

/** For tests only (undocumented in the config): the first retry delay in ms instead of 10 s. */
export const RETRY_BASE_ENV = 'PETREL_WEBHOOK_RETRY_BASE_MS';

/** How often a cluster node takes or renews its endpoint leases (and re-reads their cursors). */
const LEASE_ROUND_MS = 1000;

export interface RunningWebhooks {
  wake(): Promise<void>;
  backlog: WebhookDispatcher['backlog'];
  stop(): Promise<void>;
}

/** Sync the config endpoints and start sending. @example const webhooks = startWebhooks(config, db, log) */
export function startWebhooks(config: PetrelConfig, db: Db, log: Logger, env: NodeJS.ProcessEnv = process.env, cluster: ClusterNode | null = null): RunningWebhooks {
  const w = config.webhooks;
  checkWebhookSecrets(config, env);
  const store = new WebhookStore(db);
  const synced = syncConfigEndpoints(store, w.endpoints, Date.now());
  if (synced.added.length + synced.removed.length > 0) log.info({ event: 'webhooks-synced', ...synced }, 'config webhook endpoints synced');
  const source = cluster ? new ClusterEndpointSource({ store, shared: cluster.shared, node: cluster.name, ttlSeconds: config.node.deadAfterSeconds, log }) : null;
  const dispatcher = new WebhookDispatcher({
    store: source ?? (store as EndpointSource),
    secretOf: secretResolver(config.dataDir, configSecrets(w.endpoints, env)),
    batchSize: w.batchSize,
    timeoutMs: w.timeoutMs,
    retryHours: w.retryHours,
    userAgent: userAgent(),
    backoff: { ...DEFAULT_BACKOFF, baseMs: retryBase(env) },
    log,
  });
  dispatcher.start();
  if (!source) return dispatcher;
  const leases = leaseRounds(source, dispatcher, log);
  return {
    wake: () => dispatcher.wake(),
    backlog: () => dispatcher.backlog(),
    stop: async () => {
      await leases.stop();
      await dispatcher.stop();
      await source.release().catch((err: unknown) => log.warn({ event: 'webhook-lease-release-failed', err }, 'giving up the webhook leases failed'));
    },
  };
}

/** Renew the leases every LEASE_ROUND_MS; an endpoint newly held is sent to at once. */
function leaseRounds(source: ClusterEndpointSource, dispatcher: WebhookDispatcher, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = () => {
    if (running) return; // a slow PostgreSQL: one round at a time
    running = source.renew()
      .then((gained) => (gained ? void dispatcher.wake() : undefined))
      .catch((err: unknown) => log.warn({ event: 'webhook-leases-failed', err: String(err) }, 'renewing the webhook leases failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(round, LEASE_ROUND_MS);
  timer.unref();
  round();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
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
