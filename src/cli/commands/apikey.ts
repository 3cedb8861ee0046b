// `petrel apikey create|list|revoke`: keys for the HTTP API. `create` prints the key once; only a hash
// of its secret is stored. Bad scopes exit 2; revoking an unknown key exits 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { API_SCOPES, ApiKeys } from '../../api/keys.js';
import { configFor, withDatabase } from '../context.js';
import { StoreError } from '../../store/errors.js';
import { formatTable, formatTime } from '../io.js';

const createOptions = z.object({
  scope: z.enum(API_SCOPES, { error: `--scope must be one of ${API_SCOPES.join(', ')}` }).default('send'),
});
const listOptions = z.object({ json: z.boolean().default(false) });

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('API keys for the HTTP API (bearer tokens)');
  apikey
    .command('create <name>')
    .description('create a key and print it once: send (POST messages), read (views), admin (everything)')
    .option('--scope <scope>', 'send, read or admin', 'send')
    .action(async (name: string, raw: unknown, command: Command) => {
      const { scope } = createOptions.parse(raw);
      const created = await withDatabase(configFor(command), (db) => new ApiKeys(db).create(name, scope));
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`created API key ${created.id} (${scope}); it is shown only now, store it safely\n`);
    });
  apikey
    .command('list')
    .description('list keys (never their secrets)')
    .option('--json', 'JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = listOptions.parse(raw);
      const keys = await withDatabase(configFor(command), (db) => new ApiKeys(db).list());
      if (json) return void process.stdout.write(`${JSON.stringify(keys)}\n`);
      const rows = keys.map((k) => [k.id, k.name, k.scope, formatTime(k.createdAt), k.lastUsedAt ? formatTime(k.lastUsedAt) : '-', k.revokedAt ? `revoked ${formatTime(k.revokedAt)}` : 'active']);
      process.stdout.write(keys.length === 0 ? 'no API keys\n' : formatTable(['id', 'name', 'scope', 'created', 'last used', 'state'], rows));
    });
  apikey
    .command('revoke <id>')
    .description('revoke a key by its id (or the whole key)')
    .action(async (id: string, _raw: unknown, command: Command) => {
      const done = await withDatabase(configFor(command), (db) => new ApiKeys(db).revoke(id));
      if (!done) throw new StoreError('not-found', `no active API key ${id}`);
      process.stdout.write(`revoked API key ${id}\n`);
    });
}
