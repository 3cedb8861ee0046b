// `petrel contacts import|list|show|remove|lists`: contacts and lists on the database directly, with or
// without a running server. Bad options and list names exit 2; unreadable files or headers, absent contacts 1.
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { importCsv, type ImportResult } from '../../contacts/import.js';
import { ContactStore, type Contact, type ListInfo } from '../../contacts/store.js';
import { DnsResolver } from '../../dns/resolver.js';
import { SuppressionStore } from '../../suppression/store.js';
import { configFor, withDatabase } from '../context.js';
import { formatFields, formatTable, formatTime } from '../io.js';

const importOptions = z.object({ list: z.string({ error: '--list NAME is required' }), json: z.boolean().default(false), mxCheck: z.boolean().default(true) });
const listOptions = z.object({
  list: z.string().optional(),
  limit: z.coerce.number().int().positive({ error: '--limit must be a positive whole number' }).default(100),
  json: z.boolean().default(false),
});
const jsonOption = z.object({ json: z.boolean().default(false) });
const removeOptions = z.object({ list: z.string().optional() });

export function registerContactsCommands(program: Command): void {
  const contacts = program.command('contacts').description('contacts and lists for campaigns (docs/contacts.md)');
  registerImport(contacts);
  registerViews(contacts);
  contacts
    .command('remove <email>')
    .description('delete a contact, or only take it off one list with --list')
    .option('--list <name>', 'only remove it from this list')
    .action(async (email: string, raw: unknown, command: Command) => {
      const { list } = removeOptions.parse(raw);
      const removed = await withDatabase(configFor(command), (db) => new ContactStore(db).remove(email, list));
      const key = email.trim().toLowerCase();
      if (!removed) throw new Error(list === undefined ? `no contact ${key}` : `${key} is not on list ${list}`);
      process.stdout.write(list === undefined ? `removed ${key}\n` : `removed ${key} from ${list}\n`);
    });
}

function registerImport(contacts: Command): void {
  contacts
    .command('import <file>')
    .description('import a CSV file (a header row with an email column) into a list')
    .option('--list <name>', 'the list to add the contacts to (created if needed)')
    .option('--json', 'print the result as JSON')
    .option('--no-mx-check', 'skip the DNS check of each domain (MX, else A/AAAA; null MX)')
    .action(async (file: string, raw: unknown, command: Command) => {
      const o = importOptions.parse(raw);
      const config = configFor(command);
      const resolver = o.mxCheck ? DnsResolver.fromConfig(config.dns) : null;
      const onProgress = process.stderr.isTTY ? (rows: number) => void process.stderr.write(`\r${rows} rows read`) : undefined;
      const result = await withDatabase(config, (db) => {
        const stores = { contacts: new ContactStore(db), suppressions: new SuppressionStore(db) };
        return importCsv(stores, createReadStream(file), { list: o.list, resolver, onProgress });
      });
      if (onProgress && result.rows >= 1000) process.stderr.write('\n');
      process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : importReport(result));
    });
}

/** The summary line, then one line per skipped row and per warning. */
export function importReport(r: ImportResult): string {
  const lines = [`imported ${r.imported}, updated ${r.updated}, skipped ${r.skipped.length} (${r.rows} rows, list ${r.list})`];
  for (const s of r.skipped) lines.push(`line ${s.line}: ${s.email || '-'}: ${s.reason}: ${s.detail}`);
  for (const w of r.warnings) lines.push(`warning: ${w.line === undefined ? '' : `line ${w.line}: `}${w.detail}`);
  return `${lines.join('\n')}\n`;
}

function registerViews(contacts: Command): void {
  contacts
    .command('list')
    .description('list contacts, newest first')
    .option('--list <name>', 'only the members of this list')
    .option('--limit <n>', 'how many to show', '100')
    .option('--json', 'print the contacts as JSON')
    .action(async (raw: unknown, command: Command) => {
      const o = listOptions.parse(raw);
      const found = await withDatabase(configFor(command), (db) => new ContactStore(db).list({ list: o.list, limit: o.limit }));
      process.stdout.write(o.json ? `${JSON.stringify(found.map(contactJson), null, 2)}\n` : contactTable(found));
    });
  contacts
    .command('show <email>')
    .description('one contact with its fields and lists')
    .option('--json', 'print it as JSON')
    .action(async (email: string, raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const contact = await withDatabase(configFor(command), (db) => new ContactStore(db).get(email));
      if (contact === null) throw new Error(`no contact ${email.trim().toLowerCase()}`);
      process.stdout.write(json ? `${JSON.stringify(contactJson(contact), null, 2)}\n` : contactDetail(contact));
    });
  contacts
    .command('lists')
    .description('every list with its member count')
    .option('--json', 'print the lists as JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const lists = await withDatabase(configFor(command), (db) => new ContactStore(db).lists());
      process.stdout.write(json ? `${JSON.stringify(lists.map(listJson), null, 2)}\n` : listTable(lists));
    });
}

const iso = (ms: number) => new Date(ms).toISOString();
export const contactJson = (c: Contact) => ({ ...c, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) });
export const listJson = (l: ListInfo) => ({ ...l, createdAt: iso(l.createdAt) });

function contactTable(contacts: Contact[]): string {
  if (contacts.length === 0) return 'no contacts\n';
  const rows = contacts.map((c) => [c.address, c.lists.join(','), formatTime(c.createdAt), Object.keys(c.fields).join(',')]);
  return formatTable(['ADDRESS', 'LISTS', 'ADDED', 'FIELDS'], rows);
}

function contactDetail(c: Contact): string {
  const fields = Object.entries(c.fields).map(([name, value]): [string, string] => [`  ${name}`, value]);
  return formatFields([
    ['email', c.email],
    ['address', c.address],
    ['org domain', c.orgDomain],
    ['lists', c.lists.join(', ') || '-'],
    ['added', formatTime(c.createdAt)],
    ['updated', formatTime(c.updatedAt)],
    ['fields', fields.length === 0 ? '-' : ''],
    ...fields,
  ]);
}

function listTable(lists: ListInfo[]): string {
  if (lists.length === 0) return 'no lists\n';
  return formatTable(['LIST', 'MEMBERS', 'CREATED'], lists.map((l) => [l.name, String(l.members), formatTime(l.createdAt)]));
}
