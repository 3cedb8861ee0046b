// `petrel suppress list|add|remove|import|export`: the operator's view of the suppression list.
// Bad options and addresses exit 2; an address not on the list, a bad CSV row or a database error exit 1.
import type { Command } from 'commander';
import { createReadStream, createWriteStream, openSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { EventStore } from '../../events/store.js';
import { CSV_HEADER, entryToCsv, importSuppressions } from '../../suppression/csv.js';
import { SUPPRESSION_REASONS, SuppressionStore, unsubscribedEvent, type SuppressionEntry } from '../../suppression/store.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, formatTime } from '../io.js';
import { parseDuration, parseIso } from './events.js';

const reason = z.enum(SUPPRESSION_REASONS, { error: `--reason must be one of ${SUPPRESSION_REASONS.join(', ')}` });

const listOptions = z.object({
  scope: z.string().optional(),
  reason: reason.optional(),
  search: z.string().optional(),
  limit: z.coerce.number().int().positive({ error: '--limit must be a positive whole number' }).default(100),
  json: z.boolean().default(false),
});
const addOptions = z.object({
  scope: z.string().optional(),
  reason: reason.default('manual'),
  note: z.string().optional(),
  expires: z.string().optional(),
});
const scopeOptions = z.object({ scope: z.string().optional() });
const importOptions = z.object({ scope: z.string().optional(), reason: reason.optional() });

export function registerSuppressCommands(program: Command): void {
  const suppress = program.command('suppress').description('the suppression list: addresses we no longer send to');
  suppress
    .command('list')
    .description('list suppressed addresses')
    .option('--scope <domain>', 'only entries for this sending domain ("" for the global ones)')
    .option('--reason <reason>', `only this reason (${SUPPRESSION_REASONS.join(', ')})`)
    .option('--search <text>', 'only addresses or details containing this text')
    .option('--limit <n>', 'how many entries to show', '100')
    .option('--json', 'print the entries as JSON')
    .action(async (raw: unknown, command: Command) => {
      const o = listOptions.parse(raw);
      const { json, ...query } = o;
      const entries = await withDatabase(configFor(command), (db) => new SuppressionStore(db).list(query));
      process.stdout.write(json ? `${JSON.stringify(entries.map(toJson), null, 2)}\n` : entryTable(entries));
    });
  registerAdd(suppress);
  registerRemove(suppress);
  registerTransfer(suppress);
}

function registerAdd(suppress: Command): void {
  suppress
    .command('add <address...>')
    .description('suppress addresses (globally, or for one sending domain with --scope)')
    .option('--scope <domain>', 'only for mail from this sending domain (default: every domain)')
    .option('--reason <reason>', 'manual, unsubscribe, hard-bounce or complaint', 'manual')
    .option('--note <text>', 'a note kept with the entry')
    .option('--expires <when>', 'manual entries only: lift it after a duration (30d) or at an ISO time')
    .action(async (addresses: string[], raw: unknown, command: Command) => {
      const o = addOptions.parse(raw);
      const now = Date.now();
      const expiresAt = o.expires === undefined ? null : expiryTime(o.expires, o.reason, now);
      const entries = addresses.map((address) => ({ address, scope: o.scope, reason: o.reason, detail: o.note, expiresAt, at: now }));
      const results = await withDatabase(configFor(command), (db) => {
        const done = new SuppressionStore(db).addMany(entries, now);
        if (o.reason === 'unsubscribe') new EventStore(db).append(done.map(({ entry }) => unsubscribedEvent(entry, now, 'cli')));
        return done;
      });
      for (const { entry, outcome } of results) process.stdout.write(addedLine(entry, outcome));
    });
}

function expiryTime(text: string, reasonName: string, now: number): number {
  if (reasonName !== 'manual') throw new UsageError(`--expires: ${reasonName} entries are permanent; only manual ones expire`);
  const at = /^\d{4}-\d\d-\d\d/.test(text) ? parseIso(text, '--expires') : now + parseDuration(text, '--expires');
  if (at <= now) throw new UsageError('--expires: that time has passed');
  return at;
}

function addedLine(e: SuppressionEntry, outcome: 'added' | 'updated' | 'kept'): string {
  const what = `${e.address} (${scopeName(e.scope)}, ${e.reason}, ${e.expiresAt === null ? 'permanent' : `until ${formatTime(e.expiresAt)}`})`;
  if (outcome === 'kept') return `kept ${what}: a permanent entry is not weakened\n`;
  return `${outcome === 'added' ? 'suppressed' : 'updated'} ${what}\n`;
}

function registerRemove(suppress: Command): void {
  suppress
    .command('remove <address...>')
    .description('lift the suppression of addresses (the global entry, or the one of --scope)')
    .option('--scope <domain>', 'the entry for this sending domain (default: the global one)')
    .action(async (addresses: string[], raw: unknown, command: Command) => {
      const { scope } = scopeOptions.parse(raw);
      const removed = await withDatabase(configFor(command), (db) => {
        const store = new SuppressionStore(db);
        return db.transaction(() => addresses.map((a) => store.remove(a, scope)))();
      });
      const missing = addresses.filter((_, i) => !removed[i]);
      addresses.forEach((a, i) => removed[i] && process.stdout.write(`removed ${a.trim().toLowerCase()}\n`));
      if (missing.length > 0) throw new Error(`not suppressed${scope ? ` for ${scope}` : ''}: ${missing.join(', ')}`);
    });
}

function registerTransfer(suppress: Command): void {
  suppress
    .command('import <file>')
    .description('add entries from a CSV file (the export format, or one address a line)')
    .option('--scope <domain>', 'scope of rows without a scope column (default: global)')
    .option('--reason <reason>', 'reason of rows without a reason (default: manual)')
    .action(async (file: string, raw: unknown, command: Command) => {
      const o = importOptions.parse(raw);
      const defaults = { ...(o.scope === undefined ? {} : { scope: o.scope }), ...(o.reason === undefined ? {} : { reason: o.reason }) };
      const result = await withDatabase(configFor(command), (db) =>
        importSuppressions(new SuppressionStore(db), createReadStream(file), defaults),
      );
      for (const { line, message } of result.errors.slice(0, 100)) process.stderr.write(`petrel: ${file}:${line}: ${message}\n`);
      process.stdout.write(`imported ${result.added + result.updated} (${result.added} new, ${result.updated} updated, ${result.kept} kept)\n`);
      if (result.errors.length > 0) throw new Error(`${result.errors.length} bad ${result.errors.length === 1 ? 'row' : 'rows'} skipped`);
    });
  suppress
    .command('export [file]')
    .description('write the list as CSV (to stdout without a file)')
    .option('--scope <domain>', 'only entries for this sending domain ("" for the global ones)')
    .action(async (file: string | undefined, raw: unknown, command: Command) => {
      const { scope } = scopeOptions.parse(raw);
      await withDatabase(configFor(command), (db) => exportTo(file, new SuppressionStore(db).iterate(scope)));
    });
}

async function exportTo(file: string | undefined, entries: Iterable<SuppressionEntry>): Promise<void> {
  const out: Writable = file === undefined ? process.stdout : createWriteStream(file, { fd: openSync(file, 'w') });
  let chunk = CSV_HEADER;
  for (const entry of entries) {
    chunk += entryToCsv(entry);
    if (chunk.length >= 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(chunk);
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
}

const scopeName = (scope: string) => (scope === '' ? 'global' : scope);

function toJson(e: SuppressionEntry) {
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { ...e, createdAt: time(e.createdAt), expiresAt: time(e.expiresAt) };
}

function entryTable(entries: SuppressionEntry[]): string {
  if (entries.length === 0) return 'no suppressed addresses\n';
  const rows = entries.map((e) => [
    e.address,
    scopeName(e.scope),
    e.reason,
    formatTime(e.createdAt),
    e.expiresAt === null ? 'never' : formatTime(e.expiresAt),
    (e.detail ?? '').replace(/\s+/g, ' '),
  ]);
  return formatTable(['ADDRESS', 'SCOPE', 'REASON', 'CREATED', 'EXPIRES', 'DETAIL'], rows);
}
