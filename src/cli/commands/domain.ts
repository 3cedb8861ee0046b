// `petrel domain add|list|remove`: which domains Petrel receives mail for and sends from.
// Bad names exit 2, duplicates and unknown domains exit 1 (StoreError through the CLI's error mapping).
import type { Command } from 'commander';
import { z } from 'zod';
import { addDomain, listDomains, removeDomain, requireDomainName, type DomainRecord } from '../../store/domains.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime, yesNo } from '../io.js';

const addOptions = z.object({
  local: z.boolean().default(false),
  sending: z.boolean().default(false),
  catchAll: z.boolean().default(false),
});

export function registerDomainCommands(program: Command): void {
  const domain = program.command('domain').description('manage mail domains');
  domain
    .command('add <name>')
    .description('add a domain; with no flags it is both local and sending')
    .option('--local', 'accept mail for it on the MX listeners')
    .option('--sending', 'let authenticated users send from it')
    .option('--catch-all', 'accept every address at it (implies --local)')
    .action(async (name: string, raw: unknown, command: Command) => {
      const flags = addOptions.parse(raw);
      // A bare `domain add` is the common self-hosted case: we both receive and send for it.
      const none = !flags.local && !flags.sending && !flags.catchAll;
      const chosen = none ? { local: true, sending: true, catchAll: false } : flags;
      const added = await withDatabase(configFor(command), (db) => addDomain(db, name, chosen));
      process.stdout.write(`added domain ${added.name} (${describeFlags(added)})\n`);
    });
  domain
    .command('list')
    .description('list domains')
    .action(async (_raw: unknown, command: Command) => {
      const domains = await withDatabase(configFor(command), listDomains);
      process.stdout.write(domains.length === 0 ? 'no domains\n' : domainTable(domains));
    });
  domain
    .command('remove <name>')
    .description('remove a domain (its users stay)')
    .action(async (input: string, _raw: unknown, command: Command) => {
      const name = requireDomainName(input);
      await withDatabase(configFor(command), (db) => removeDomain(db, name));
      process.stdout.write(`removed domain ${name}\n`);
    });
}

function describeFlags(domain: DomainRecord): string {
  const flags = [domain.local && 'local', domain.sending && 'sending', domain.catchAll && 'catch-all'];
  return flags.filter(Boolean).join(', ') || 'no flags';
}

function domainTable(domains: DomainRecord[]): string {
  const rows = domains.map((d) => [d.name, yesNo(d.local), yesNo(d.sending), yesNo(d.catchAll), formatTime(d.createdAt)]);
  return formatTable(['NAME', 'LOCAL', 'SENDING', 'CATCH-ALL', 'ADDED'], rows);
}
