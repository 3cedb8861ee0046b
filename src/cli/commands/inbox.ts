// `petrel inbox list`: the unified inbox (mail read from every identity's mailbox), newest first, as a
// table or JSON, filtered by campaign, identity, kind and unread. Bad options exit 2.
import type { Command } from 'commander';
import { z } from 'zod';
import { INBOX_KINDS, InboxViews, itemOf, type InboxItem } from '../../inbox/views.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime } from '../io.js';

const listOptions = z.object({
  campaign: z.string().min(1).optional(),
  identity: z.string().min(1).optional(),
  kind: z.enum(INBOX_KINDS, { error: `--kind: one of ${INBOX_KINDS.join(', ')}` }).optional(),
  unread: z.boolean().default(false),
  limit: z.coerce.number().int().positive({ error: '--limit must be a positive whole number' }).max(100_000).default(50),
  json: z.boolean().default(false),
});

const print = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export function registerInboxCommands(program: Command): void {
  const inbox = program.command('inbox').description('the unified inbox: replies and other mail read from the identities\' mailboxes');
  inbox.command('list').description('mail read from every identity\'s mailbox, newest first')
    .option('--campaign <name>', 'only mail answering this campaign').option('--identity <name>', 'only this mailbox')
    .option('--kind <kind>', `only this kind (${INBOX_KINDS.join(', ')})`).option('--unread', 'only unread mail')
    .option('--limit <n>', 'at most this many (default 50)').option('--json', 'JSON, as GET /v1/inbox items')
    .action(async (raw: unknown, command: Command) => {
      const { json, unread, ...o } = listOptions.parse(raw);
      const rows = await withDatabase(configFor(command), (db) => new InboxViews(db).list({ ...o, ...(unread ? { unread: true } : {}) }).map(itemOf));
      print(json ? JSON.stringify(rows.map(jsonOf), null, 2) : table(rows));
    });
}

const jsonOf = (m: InboxItem) => ({ ...m, date: m.date === null ? null : new Date(m.date).toISOString(), receivedAt: new Date(m.receivedAt).toISOString() });

function table(rows: InboxItem[]): string {
  if (rows.length === 0) return 'no mail in the inbox';
  return formatTable(['ID', 'RECEIVED', 'IDENTITY', 'KIND', 'FROM', 'CAMPAIGN', 'STATE', 'SUBJECT'], rows.map((m) => [
    String(m.id), formatTime(m.receivedAt), m.identity, m.kind + (m.unsubscribe ? ` (${m.unsubscribe})` : ''), m.from ?? '-',
    m.campaign ? `${m.campaign}#${m.step ?? '?'}` : '-', m.unread ? 'unread' : m.handled ? 'handled' : 'read', (m.subject ?? '').slice(0, 60),
  ]));
}
