// `petrel pool add|list|show|remove`: weighted sets of identities that API sends rotate over.
// Unknown identities and bad weights exit 2; unknown pools exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { PoolStore, type Pool } from '../../identities/pools.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../io.js';

const addOptions = z.object({ identity: z.array(z.string()).default([]), weight: z.array(z.string()).default([]) });
const jsonOption = z.object({ json: z.boolean().default(false) });
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerPoolCommands(program: Command): void {
  const pool = program.command('pool').description('pools of identities that sends rotate over');
  pool
    .command('add <name>')
    .description('create a pool (or replace its members)')
    .option('--identity <name>', 'a member (repeat for each)', collect)
    .option('--weight <name=n>', 'a member\'s weight (default 1; repeat)', collect)
    .action(async (name: string, raw: unknown, command: Command) => {
      const o = addOptions.parse(raw);
      const members = withWeights(o.identity, o.weight);
      const put = await withDatabase(configFor(command), (db) => new PoolStore(db).put(name, members, processClock()()));
      process.stdout.write(`pool ${put.name}: ${put.members.map((m) => `${m.identity}${m.weight !== 1 ? `=${m.weight}` : ''}`).join(', ')}\n`);
    });
  pool
    .command('list')
    .description('pools and their members')
    .option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const pools = await withDatabase(configFor(command), (db) => new PoolStore(db).list());
      process.stdout.write(json ? `${JSON.stringify(pools, null, 2)}\n` : table(pools));
    });
  pool
    .command('show <name>')
    .description('one pool')
    .option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const found = await withDatabase(configFor(command), (db) => new PoolStore(db).get(name));
      if (!found) throw new Error(`no pool ${name}`);
      process.stdout.write(json ? `${JSON.stringify(found, null, 2)}\n` : table([found]));
    });
  pool
    .command('remove <name>')
    .description('remove a pool (its identities stay)')
    .action(async (name: string, _raw: unknown, command: Command) => {
      const removed = await withDatabase(configFor(command), (db) => new PoolStore(db).remove(name));
      if (!removed) throw new Error(`no pool ${name}`);
      process.stdout.write(`removed pool ${name}\n`);
    });
}

function withWeights(identities: string[], weights: string[]) {
  const given = new Map<string, number>();
  for (const w of weights) {
    const m = /^([^=]+)=(\d+)$/.exec(w);
    if (!m) throw new UsageError(`--weight ${JSON.stringify(w)}: NAME=N`);
    if (!identities.includes(m[1]!)) throw new UsageError(`--weight ${m[1]}: not one of the --identity members`);
    given.set(m[1]!, Number(m[2]));
  }
  if (new Set(identities).size !== identities.length) throw new UsageError('--identity: a member is named twice');
  return identities.map((identity) => ({ identity, weight: given.get(identity) ?? 1 }));
}

function table(pools: Pool[]): string {
  if (pools.length === 0) return 'no pools\n';
  return formatTable(['pool', 'members'], pools.map((p) => [p.name, p.members.map((m) => `${m.identity}${m.weight !== 1 ? `=${m.weight}` : ''}`).join(', ')]));
}
