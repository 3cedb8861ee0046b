// `petrel domain check NAME|--all [--json]`: DNS health, DKIM keys and blocklists of our domains.
// Prints the findings, then exits 1 (one line on stderr) when any finding fails; unknown does not fail.
import type { Command } from 'commander';
import { z } from 'zod';
import { domainToCheck } from '../../auth/domain-setup.js';
import { contextFromConfig } from '../../auth/health/context.js';
import { activeDkimKeys } from '../../auth/health/dkim.js';
import { checkDomain, type DomainToCheck } from '../../auth/health/domain-check.js';
import { hasFailure, renderJson, renderReport, type DomainReport } from '../../auth/health/report.js';
import { DnsResolver } from '../../dns/resolver.js';
import { listDomains } from '../../store/domains.js';
import type { Db } from '../../store/db.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';

const checkOptions = z.object({
  all: z.boolean().default(false),
  json: z.boolean().default(false),
});

/** Adds `check` under the existing `domain` command of `program` (call after registerDomainCommands). */
export function registerDomainCheck(program: Command): void {
  const domain = program.commands.find((c) => c.name() === 'domain');
  if (!domain) throw new Error('registerDomainCheck: the domain command is not registered yet');
  domain
    .command('check [name]')
    .description('check DNS (SPF, DKIM, DMARC, MX, PTR, MTA-STS) and blocklists for a domain')
    .option('--all', 'check every sending domain')
    .option('--json', 'print the findings as JSON')
    .action(async (name: string | undefined, raw: unknown, command: Command) => {
      const flags = checkOptions.parse(raw);
      if ((name === undefined) === !flags.all) throw new UsageError('give a domain name or --all (not both)');
      const config = configFor(command);
      const targets = await withDatabase(config, (db) => (flags.all ? sendingDomains(db) : [domainToCheck(db, name!)]));
      const ctx = contextFromConfig(config, DnsResolver.fromConfig(config.dns));
      const reports: DomainReport[] = [];
      for (const target of targets) reports.push(await checkDomain(ctx, target));
      process.stdout.write(flags.json ? renderJson(reports) : render(reports));
      if (hasFailure(reports)) throw new Error(`domain check failed for ${failedNames(reports)}`);
    });
}

function sendingDomains(db: Db): DomainToCheck[] {
  return listDomains(db)
    .filter((d) => d.sending)
    .map((d) => ({ name: d.name, receives: d.local, dkimKeys: activeDkimKeys(db, d.name) }));
}

function render(reports: DomainReport[]): string {
  return reports.length === 0 ? 'no sending domains\n' : reports.map(renderReport).join('\n');
}

function failedNames(reports: DomainReport[]): string {
  return reports.filter((r) => hasFailure([r])).map((r) => r.domain).join(', ');
}
