// `petrel shaping list|clear`: the throttles and suspensions automation rules set (docs/shaping.md),
// with the replies that triggered them, and ending them early. A running server sees a clear within a second.
import type { Command } from 'commander';
import { z } from 'zod';
import { clearShapingActions } from '../../identities/release.js';
import { ShapingActionStore, type ShapingAction } from '../../pacing/actions.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../io.js';

const clearOptions = z.object({ rule: z.string().optional(), source: z.string().optional(), identity: z.string().optional(), id: z.coerce.number().int().positive().optional() });

export function registerShapingCommands(program: Command): void {
  const shaping = program.command('shaping').description('throttles and suspensions set by the shaping rules');
  shaping
    .command('list')
    .description('actions in force, with the reply that triggered each and when it ends')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }, command: Command) => {
      const actions = await withDatabase(configFor(command), (db) => new ShapingActionStore(db).inForce(processClock()()));
      process.stdout.write(raw.json ? `${JSON.stringify(actions, null, 2)}\n` : table(actions));
    });
  shaping
    .command('clear')
    .description('end actions early: by --id, --rule, --source (ip:ADDR or relay:IDENTITY) or --identity')
    .option('--id <n>', 'one action')
    .option('--rule <name>', 'every action of this rule')
    .option('--source <key>', 'actions on this source, e.g. ip:192.0.2.7 or relay:mailbox-1')
    .option('--identity <name>', 'actions on this identity (as a whole)')
    .action(async (raw: unknown, command: Command) => {
      const o = clearOptions.parse(raw);
      if (o.id === undefined && o.rule === undefined && o.source === undefined && o.identity === undefined) throw new UsageError('say which: --id, --rule, --source or --identity');
      const scopes = [...(o.source ? [`source:${o.source}`] : []), ...(o.identity ? [`identity:${o.identity}`] : [])];
      const { cleared, released } = await withDatabase(configFor(command), (db) =>
        clearShapingActions(db, processClock()(), { ...(scopes.length > 0 ? { scopes } : {}), ...(o.rule ? { rule: o.rule } : {}), ...(o.id ? { id: o.id } : {}) }));
      process.stdout.write(`ended ${cleared} ${cleared === 1 ? 'action' : 'actions'}; ${released} waiting ${released === 1 ? 'recipient' : 'recipients'} due now\n`);
    });
}

function table(actions: ShapingAction[]): string {
  if (actions.length === 0) return 'no actions in force\n';
  const rows = actions.map((a) => [String(a.id), a.rule, a.kind + (a.rate !== null ? ` ${a.rate}/min` : ''), a.scope, a.provider ?? 'all', new Date(a.endsAt).toISOString(), `${a.code ?? ''} ${a.enhanced ?? ''} ${(a.text ?? '').slice(0, 80)}`.trim()]);
  return formatTable(['id', 'rule', 'action', 'scope', 'towards', 'until', 'reply'], rows);
}
