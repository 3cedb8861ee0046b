// Endpoint administration shared by `petrel webhook` and the HTTP API: URL rules, creating an
// endpoint with its sealed secret, the public view (never the secret) and the signed test request.
// Bad URLs throw WebhookAdminError; an unreadable secret throws it too; test failures are outcomes.
import { countSharedEventsAfter } from '../cluster/events.js';
import type { SharedDb } from '../cluster/pg.js';
import type { PetrelConfig } from '../config/schema.js';
import type { EventType } from '../events/types.js';
import type { Db } from '../store/db.js';
import { configEndpointId, configSecrets } from './config-endpoints.js';
import { buildRequest, postJson, testEvent, type PostOutcome } from './request.js';
import { sealWebhookSecret, secretResolver } from './secrets.js';
import { userAgent } from './service.js';
import { generateSecret } from './signature.js';
import { newWebhookId, WebhookStore, type Webhook, type WebhookOrigin } from './store.js';

export class WebhookAdminError extends Error {}

/** The URL in canonical form; only http and https. @example requireHttpUrl('https://x.test/h') */
export function requireHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookAdminError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookAdminError(`"${text}": only http and https URLs`);
  return url.href;
}

export interface NewEndpoint {
  url: string;
  events: EventType[];
  /** Send every stored event, not only those from now on. */
  fromStart: boolean;
  origin: Exclude<WebhookOrigin, 'config'>;
}

/** Add an endpoint; the returned secret is shown once and stored only sealed. */
export function createWebhook(config: PetrelConfig, db: Db, e: NewEndpoint): { id: string; url: string; secret: string } {
  const url = requireHttpUrl(e.url);
  const id = newWebhookId();
  const secret = generateSecret();
  const sealed = sealWebhookSecret(config.dataDir, id, secret);
  const store = new WebhookStore(db);
  const cursor = e.fromStart ? 0 : store.events.lastId();
  store.add({ id, url, secret: sealed, events: e.events, origin: e.origin, createdAt: Date.now(), cursor });
  return { id, url, secret };
}

export interface WebhookView {
  id: string;
  url: string;
  origin: string;
  events: string[];
  cursor: number;
  backlog: number;
  failures: number;
  failingSince: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** Cluster mode: the node holding the endpoint's lease (null: none now); absent on a single node. */
  holder?: string | null;
}

/** What `webhook list --json` and the API show of an endpoint. */
export function webhookView(w: Webhook, backlog: number): WebhookView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: w.id, url: w.url, origin: w.origin, events: w.events, cursor: w.cursor, backlog, failures: w.failures,
    failingSince: iso(w.failingSince), nextAttemptAt: iso(w.nextAttemptAt), lastError: w.lastError,
  };
}

/**
 * Cluster mode's view: cursor, backlog and holder from PostgreSQL (the local columns are not kept there).
 * An endpoint no node took yet shows the cursor its first holder will start from. The failure state
 * lives in the holder's memory: the local columns shown are the single-node ones.
 */
export async function sharedWebhookView(shared: SharedDb, w: Webhook): Promise<WebhookView> {
  const { rows } = await shared.query<{ cursor: string; holder: string | null }>(
    `SELECT coalesce((SELECT cursor FROM webhook_cursors WHERE webhook_id = $1),
         (SELECT min(id) - 1 FROM events WHERE at >= $2), (SELECT coalesce(max(id), 0) FROM events)) AS cursor,
       (SELECT holder FROM leases WHERE name = $3 AND expires_at > now()) AS holder`,
    [w.id, w.createdAt, `webhook:${w.id}`],
  );
  const cursor = Number(rows[0]!.cursor);
  const backlog = await countSharedEventsAfter(shared, cursor, w.events);
  return { ...webhookView({ ...w, cursor }, backlog), holder: rows[0]!.holder };
}

/** POST one signed synthetic `test` event to the endpoint; WebhookAdminError when its secret is unavailable. */
export async function testWebhook(config: PetrelConfig, endpoint: Webhook): Promise<PostOutcome> {
  const secret = secretResolver(config.dataDir, configSecrets(config.webhooks.endpoints))(endpoint);
  if (secret === null) {
    const named = config.webhooks.endpoints.find((e) => configEndpointId(e.url) === endpoint.id)?.secretEnv;
    throw new WebhookAdminError(named ? `environment variable ${named} is not set` : `the secret of webhook ${endpoint.id} cannot be read`);
  }
  const now = Date.now();
  return postJson(buildRequest(endpoint, [testEvent(now)], secret, now, userAgent()), config.webhooks.timeoutMs);
}
