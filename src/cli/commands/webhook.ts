// `petrel webhook add|list|remove|test`: endpoints that receive events by signed HTTP POST. `add`
// prints the new secret once; bad URLs or event types exit 2, unknown ids and failed tests exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import type { PetrelConfig } from '../../config/schema.js';
import { createWebhook, requireHttpUrl, sharedWebhookView, testWebhook, WebhookAdminError, webhookView, type WebhookView } from '../../webhooks/admin.js';
import { parseEventTypes, WebhookStore } from '../../webhooks/store.js';
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
      const target = usage(() => requireHttpUrl(url));
      const events = options.events === undefined ? [] : eventTypes(options.events);
      const config = configFor(command);
      const { id, secret } = await withDatabase(config, (db) =>
        createWebhook(config, db, { url: target, events, fromStart: options.fromStart, origin: 'cli' }),
      );
      process.stdout.write(`added webhook ${id} -> ${target}\nsecret: ${secret}\n(shown once: store it now)\n`);
    });
  webhook
    .command('list')
    .description('list endpoints with their cursor, backlog and failure state')
    .option('--json', 'print the endpoints as JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = listOptions.parse(raw);
      // In cluster mode cursor, backlog and holder come from PostgreSQL (the global stream, the leases).
      const views = await withDatabase(configFor(command), (db, cluster) => {
        const store = new WebhookStore(db);
        if (cluster) return Promise.all(store.all().map((w) => sharedWebhookView(cluster.shared, w)));
        return store.all().map((w) => webhookView(w, store.backlog(w)));
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
  const outcome = await testWebhook(config, endpoint);
  if (!outcome.ok && outcome.status === null) throw new Error(`webhook ${id}: ${outcome.error}`);
  process.stdout.write(`HTTP ${outcome.status}\n`);
  if (!outcome.ok) throw new Error(`webhook ${id} answered HTTP ${outcome.status}, not 2xx`);
}

/** A bad URL is a usage mistake (exit 2). */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof WebhookAdminError) throw new UsageError(err.message);
    throw err;
  }
}

function eventTypes(text: string) {
  try {
    return parseEventTypes(text);
  } catch (err) {
    throw new UsageError(`--events: ${(err as Error).message}`);
  }
}

function table(views: WebhookView[]): string {
  if (views.length === 0) return 'no webhooks\n';
  const clustered = views.some((v) => v.holder !== undefined);
  const rows = views.map((v) => [
    v.id, v.url, v.events.join(',') || 'all', String(v.cursor), String(v.backlog),
    ...(clustered ? [v.holder ?? '-'] : []),
    v.failingSince === null ? '-' : formatTime(Date.parse(v.failingSince)), v.lastError ?? '-',
  ]);
  const headers = ['ID', 'URL', 'EVENTS', 'CURSOR', 'BACKLOG', ...(clustered ? ['HOLDER'] : []), 'FAILING SINCE', 'LAST ERROR'];
  return formatTable(headers, rows);
}
