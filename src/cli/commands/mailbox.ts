// `petrel mailbox list [--json]`: the mailboxes `petrel serve` watches over IMAP (identities with an
// IMAP side), their connection state and where each folder's reading stands.
import type { Command } from 'commander';
import { z } from 'zod';
import { mailboxViews, type MailboxView } from '../../mailboxes/view.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable } from '../io.js';

const jsonOption = z.object({ json: z.boolean().default(false) });

export function registerMailboxCommands(program: Command): void {
  const mailbox = program.command('mailbox').description('the mailboxes of identities, watched over IMAP by petrel serve');
  mailbox
    .command('list')
    .description('mailboxes, their connection state and folder cursors')
    .option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const views = await withDatabase(configFor(command), (db) => mailboxViews(db));
      process.stdout.write(json ? `${JSON.stringify(views.map(jsonView), null, 2)}\n` : table(views));
    });
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function jsonView(v: MailboxView) {
  return { ...v, since: iso(v.since), retryAt: iso(v.retryAt), checkedAt: iso(v.checkedAt), folders: v.folders.map((f) => ({ ...f, lastDate: iso(f.lastDate) })) };
}

function table(views: MailboxView[]): string {
  if (views.length === 0) return 'no identity has a mailbox (identity add --imap)\n';
  return formatTable(['identity', 'address', 'server', 'state', 'since', 'folders', 'error'], views.map((v) => [
    v.identity, v.address, `${v.host}:${v.port}`, v.state ?? 'not started', iso(v.since) ?? '',
    v.folders.map((f) => `${f.folder}@${f.lastUid}`).join(' '), v.error ?? '',
  ]));
}
