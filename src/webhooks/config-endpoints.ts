// Endpoints from the config file (`webhooks.endpoints`): their stable ids, their secrets from the
// environment, and syncing them into the webhooks table at start. A missing secret is a ConfigError.
import { createHash } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import type { PetrelConfig } from '../config/schema.js';
import type { WebhookStore } from './store.js';

type Endpoint = PetrelConfig['webhooks']['endpoints'][number];

/** `cfg-` and a short hash of the URL: the same URL keeps its id (and cursor) across restarts. */
export function configEndpointId(url: string): string {
  return `cfg-${createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 12)}`;
}

/**
 * Every secretEnv must name a set variable. Only `petrel serve` asks; the admin commands work
 * without them. @example checkWebhookSecrets(config) // throws ConfigError naming the setting
 */
export function checkWebhookSecrets(config: Pick<PetrelConfig, 'webhooks'>, env: NodeJS.ProcessEnv = process.env, file?: string): void {
  config.webhooks.endpoints.forEach((e, i) => {
    if (!env[e.secretEnv]) {
      throw new ConfigError(`webhooks.endpoints.${i}.secretEnv: environment variable ${e.secretEnv} is not set`, file);
    }
  });
}

/** Secrets of the config endpoints by id (call checkWebhookSecrets first). */
export function configSecrets(endpoints: readonly Endpoint[], env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  return new Map(endpoints.map((e) => [configEndpointId(e.url), env[e.secretEnv] ?? '']));
}

export interface SyncResult {
  added: string[];
  removed: string[];
}

/**
 * Make the config endpoints in the table match the file: new ones start at the newest event, kept
 * ones keep their cursor (their event filter follows the file), ones gone from the file are deleted.
 */
export function syncConfigEndpoints(store: WebhookStore, endpoints: readonly Endpoint[], now: number): SyncResult {
  const wanted = new Map(endpoints.map((e) => [configEndpointId(e.url), e]));
  const existing = store.all().filter((w) => w.origin === 'config');
  const removed = existing.filter((w) => !wanted.has(w.id)).map((w) => w.id);
  const added: string[] = [];
  const cursor = store.events.lastId();
  for (const id of removed) store.remove(id);
  for (const [id, e] of wanted) {
    const known = existing.find((w) => w.id === id);
    if (known) store.setEvents(id, e.events);
    else {
      store.add({ id, url: e.url, secret: '', events: e.events, origin: 'config', createdAt: now, cursor });
      added.push(id);
    }
  }
  return { added, removed };
}
