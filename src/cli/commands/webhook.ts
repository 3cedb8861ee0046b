// `petrel webhook add|list|remove|test`: endpoints that receive events by signed HTTP POST. `add`
// prints the new secret once; bad URLs or event types exit 2, unknown ids and failed tests exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import type { PetrelConfig } from '../../config/schema.js';
import { configEndpointId, configSecrets } from '../../webhooks/config-endpoints.js';
import { buildRequest, postJson, testEvent } from '../../webhooks/request.js';
import { sealWebhookSecret, secretResolver } from '../../webhooks/secrets.js';
import { userAgent } from '../../webhooks/service.js';
import { generateSecret } from '../../webhooks/signature.js';
import { newWebhookId, parseEventTypes, WebhookStore, type Webhook } from '../../webhooks/store.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, formatTime } from '../io.js';

const addOptions = z.object({ events: z.string().optional(), fromStart: z.boolean().default(false) });
const listOptions = z.object({ json: z.boolean().default(false) });

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('manage webhook endpoints (signed HTTP POSTs of events)');
  webhook
    .command('add <url>')
    .description('add an endpoint; its signing secret is printed once')
    .option('--events <types>', 'comma-separated event types to send (default: all)')
    .option('--from-start', 'send every stored event, not only those from now on')
    .action(async (url: string, raw: unknown, command: Command) => {
      const options = addOptions.parse(raw);
      const target = requireHttpUrl(url);
      const events = options.events === undefined ? [] : eventTypes(options.events);
      const config = configFor(command);
      const id = newWebhookId();
      const secret = generateSecret();
      const sealed = sealWebhookSecret(config.dataDir, id, secret);
      await withDatabase(config, (db) => {
        const store = new WebhookStore(db);
        const cursor = options.fromStart ? 0 : store.events.lastId();
        store.add({ id, url: target, secret: sealed, events, origin: 'cli', createdAt: Date.now(), cursor });
      });
      process.stdout.write(`added webhook ${id} -> ${target}\nsecret: ${secret}\n(shown once: store it now)\n`);
    });
  webhook
    .command('list')
    .description('list endpoints with their cursor, backlog and failure state')
    .option('--json', 'print the endpoints as JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = listOptions.parse(raw);
      const views = await withDatabase(configFor(command), (db) => {
        const store = new WebhookStore(db);
        return store.all().map((w) => view(w, store.backlog(w)));
      });
      process.stdout.write(json ? `${JSON.stringify(views, null, 2)}\n` : table(views));
    });
  webhook
    .command('remove <id>')
    .description('remove an endpoint (config endpoints come back at the next start: edit the file)')
    .action(async (id: string, _raw: unknown, command: Command) => {
      const removed = await withDatabase(configFor(command), (db) => new WebhookStore(db).remove(id));
      if (!removed) throw new Error(`no webhook with id ${id}`);
      process.stdout.write(`removed webhook ${id}\n`);
    });
  webhook
    .command('test <id>')
    .description('send one signed synthetic "test" event and print the HTTP status')
    .action(async (id: string, _raw: unknown, command: Command) => runTest(configFor(command), id));
}

async function runTest(config: PetrelConfig, id: string): Promise<void> {
  const endpoint = await withDatabase(config, (db) => new WebhookStore(db).get(id));
  if (endpoint === null) throw new Error(`no webhook with id ${id}`);
  const secret = secretResolver(config.dataDir, configSecrets(config.webhooks.endpoints))(endpoint);
  if (secret === null) {
    const named = config.webhooks.endpoints.find((e) => configEndpointId(e.url) === id)?.secretEnv;
    throw new Error(named ? `environment variable ${named} is not set` : `the secret of webhook ${id} cannot be read`);
  }
  const now = Date.now();
  const outcome = await postJson(buildRequest(endpoint, [testEvent(now)], secret, now, userAgent()), config.webhooks.timeoutMs);
  if (!outcome.ok && outcome.status === null) throw new Error(`webhook ${id}: ${outcome.error}`);
  process.stdout.write(`HTTP ${outcome.status}\n`);
  if (!outcome.ok) throw new Error(`webhook ${id} answered HTTP ${outcome.status}, not 2xx`);
}

function requireHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`"${text}": only http and https URLs`);
  return url.href;
}

function eventTypes(text: string) {
  try {
    return parseEventTypes(text);
  } catch (err) {
    throw new UsageError(`--events: ${(err as Error).message}`);
  }
}

interface WebhookView {
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
}

function view(w: Webhook, backlog: number): WebhookView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: w.id, url: w.url, origin: w.origin, events: w.events, cursor: w.cursor, backlog, failures: w.failures,
    failingSince: iso(w.failingSince), nextAttemptAt: iso(w.nextAttemptAt), lastError: w.lastError,
  };
}

function table(views: WebhookView[]): string {
  if (views.length === 0) return 'no webhooks\n';
  const rows = views.map((v) => [
    v.id, v.url, v.events.join(',') || 'all', String(v.cursor), String(v.backlog),
    v.failingSince === null ? '-' : formatTime(Date.parse(v.failingSince)), v.lastError ?? '-',
  ]);
  return formatTable(['ID', 'URL', 'EVENTS', 'CURSOR', 'BACKLOG', 'FAILING SINCE', 'LAST ERROR'], rows);
}
