// `petrel domain add|list|remove|records`: which domains Petrel receives mail for and sends from,
// and the DNS records to publish for them. Bad names exit 2, duplicates and unknown domains exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import type { DkimAlgorithm } from '../../auth/dkim-keys.js';
import { addDomainWithKeys, domainRecordsFor } from '../../auth/domain-setup.js';
import { formatPolicyComment, formatZone } from '../../auth/records.js';
import { listDomains, removeDomain, requireDomainName, type DomainRecord } from '../../store/domains.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime, yesNo } from '../io.js';

const addOptions = z.object({
  local: z.boolean().default(false),
  sending: z.boolean().default(false),
  catchAll: z.boolean().default(false),
  ed25519: z.boolean().default(false),
  dkim: z.boolean().default(true),
});
const recordsOptions = z.object({ json: z.boolean().default(false) });

export function registerDomainCommands(program: Command): void {
  const domain = program.command('domain').description('manage mail domains');
  domain
    .command('add <name>')
    .description('add a domain; with no flags it is both local and sending')
    .option('--local', 'accept mail for it on the MX listeners')
    .option('--sending', 'let authenticated users send from it')
    .option('--catch-all', 'accept every address at it (implies --local)')
    .option('--ed25519', 'a sending domain also gets an Ed25519 DKIM key (signs with both)')
    .option('--no-dkim', 'create no DKIM key (mail from it goes unsigned until `petrel dkim add`)')
    .action(async (name: string, raw: unknown, command: Command) => {
      const flags = addOptions.parse(raw);
      // A bare `domain add` is the common self-hosted case: we both receive and send for it.
      const none = !flags.local && !flags.sending && !flags.catchAll;
      const chosen = none ? { local: true, sending: true, catchAll: false } : flags;
      const config = configFor(command);
      const algorithms: DkimAlgorithm[] = !flags.dkim ? [] : flags.ed25519 ? ['rsa-sha256', 'ed25519-sha256'] : ['rsa-sha256'];
      const { added, keys } = await withDatabase(config, (db) => addDomainWithKeys(db, config.dataDir, name, chosen, algorithms));
      process.stdout.write(`added domain ${added.name} (${describeFlags(added)})\n`);
      for (const k of keys) process.stdout.write(`created DKIM key ${k.selector} (${k.algorithm}), active; see \`petrel domain records ${added.name}\`\n`);
    });
  domain
    .command('records <name>')
    .description('print the DNS records to publish for a domain (DKIM, SPF, DMARC, MX, MTA-STS, TLS-RPT)')
    .option('--json', 'print the records as a JSON array')
    .action(async (input: string, raw: unknown, command: Command) => {
      const { json } = recordsOptions.parse(raw);
      const name = requireDomainName(input);
      const config = configFor(command);
      const records = await withDatabase(config, (db) => domainRecordsFor(db, config, name));
      process.stdout.write(json ? JSON.stringify(records, null, 2) + '\n' : formatZone(records) + formatPolicyComment(config.hostname, name));
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
