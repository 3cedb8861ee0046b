// `petrel dkim add|rotate|activate|list`: DKIM keys of sending domains. A first key is active at
// once; a rotation key stays pending until `activate`. Unknown or non-sending domains exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { activateDkimKey, createDkimKey, ensureActiveKeys, listDkimKeys, type DkimAlgorithm, type DkimKey } from '../../auth/dkim-keys.js';
import { publishedDkimKey } from '../../auth/dkim-dns.js';
import { dkimRecord, formatZone } from '../../auth/records.js';
import type { PetrelConfig } from '../../config/schema.js';
import { DnsResolver } from '../../dns/resolver.js';
import type { Db } from '../../store/db.js';
import { getDomain, requireDomainName } from '../../store/domains.js';
import { StoreError } from '../../store/errors.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime } from '../io.js';

const algorithmOptions = z.object({ ed25519: z.boolean().default(false) });
const forceOptions = z.object({ force: z.boolean().default(false) });

/** Refuse to switch signing to a key receivers cannot see yet (a signature they cannot verify). */
async function requirePublished(config: PetrelConfig, domain: string, selector: string): Promise<void> {
  const pending = await withDatabase(config, (db) => listDkimKeys(db, domain).find((k) => k.selector === selector && k.state === 'pending'));
  if (pending === undefined) throw new StoreError('not-found', `no pending DKIM key ${selector} for ${domain}`);
  const seen = await publishedDkimKey(DnsResolver.fromConfig(config.dns), domain, selector);
  if (seen.ok && seen.p === pending.publicKey) return;
  const why = seen.ok ? `${selector}._domainkey.${domain} publishes a different key` : seen.reason;
  throw new Error(`DNS does not show key ${selector} yet: ${why}; publish the record \`petrel dkim rotate\` printed, or use --force`);
}

export function registerDkimCommands(program: Command): void {
  const dkim = program.command('dkim').description('manage DKIM signing keys');
  dkim
    .command('add <domain>')
    .description('give a sending domain its first (active) RSA key, and with --ed25519 an Ed25519 key')
    .option('--ed25519', 'also an Ed25519 key (signs with both)')
    .action(async (input: string, raw: unknown, command: Command) => {
      const { ed25519 } = algorithmOptions.parse(raw);
      const algorithms: DkimAlgorithm[] = ed25519 ? ['rsa-sha256', 'ed25519-sha256'] : ['rsa-sha256'];
      const config = configFor(command);
      const created = await withDatabase(config, (db) => ensureActiveKeys(db, config.dataDir, sendingDomain(db, input), algorithms));
      if (created.length === 0) throw new StoreError('exists', `${requireDomainName(input)} already has active keys; use \`petrel dkim rotate\``);
      process.stdout.write(describe(created, 'active'));
    });
  dkim
    .command('rotate <domain>')
    .description('create a pending RSA key (Ed25519 with --ed25519) and print the record to publish')
    .option('--ed25519', 'rotate the Ed25519 key instead')
    .action(async (input: string, raw: unknown, command: Command) => {
      const { ed25519 } = algorithmOptions.parse(raw);
      const config = configFor(command);
      const key = await withDatabase(config, (db) =>
        createDkimKey(db, config.dataDir, sendingDomain(db, input), ed25519 ? 'ed25519-sha256' : 'rsa-sha256', 'pending'));
      process.stdout.write(describe([key], 'pending'));
      process.stdout.write(`publish it, then run \`petrel dkim activate ${key.domain} ${key.selector}\`\n`);
    });
  dkim
    .command('activate <domain> <selector>')
    .description('sign with a pending key once DNS shows it; the key it replaces stays published for dkim.retireDays (7)')
    .option('--force', 'activate without checking that DNS publishes the key')
    .action(async (input: string, selector: string, raw: unknown, command: Command) => {
      const name = requireDomainName(input);
      const config = configFor(command);
      if (!forceOptions.parse(raw).force) await requirePublished(config, name, selector);
      const key = await withDatabase(config, (db) => activateDkimKey(db, name, selector, Date.now(), config.dkim.retireDays));
      process.stdout.write(`activated DKIM key ${key.selector} (${key.algorithm}) for ${name}\n`);
    });
  dkim
    .command('list [domain]')
    .description('list DKIM keys')
    .action(async (input: string | undefined, _raw: unknown, command: Command) => {
      const name = input === undefined ? undefined : requireDomainName(input);
      const keys = await withDatabase(configFor(command), (db) => listDkimKeys(db, name));
      process.stdout.write(keys.length === 0 ? 'no DKIM keys\n' : keyTable(keys));
    });
}

/** The canonical name of a domain that exists and sends, else a StoreError. */
function sendingDomain(db: Db, input: string): string {
  const name = requireDomainName(input);
  const domain = getDomain(db, name);
  if (domain === null) throw new StoreError('not-found', `no domain ${name}`);
  if (!domain.sending) throw new StoreError('not-found', `${name} is not a sending domain`);
  return name;
}

function describe(keys: readonly DkimKey[], state: string): string {
  const lines = keys.map((k) => `created DKIM key ${k.selector} (${k.algorithm}) for ${k.domain}, ${state}\n`);
  return lines.join('') + formatZone(keys.map((k) => dkimRecord(k)));
}

function keyTable(keys: readonly DkimKey[]): string {
  const rows = keys.map((k) => [k.domain, k.selector, k.algorithm, k.state, formatTime(k.createdAt), k.retireAt === null ? '-' : formatTime(k.retireAt)]);
  return formatTable(['DOMAIN', 'SELECTOR', 'ALGORITHM', 'STATE', 'CREATED', 'RETIRE AT'], rows);
}
