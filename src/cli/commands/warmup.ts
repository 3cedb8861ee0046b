// `petrel warmup status [--json]`: the warm-up network's figures per identity over 7 days (sent,
// received, inbox vs spam placement of its warm-up mail, rescues its mailbox made; docs/warmup-network.md).
import type { Command } from 'commander';
import { processClock } from '../../util/clock.js';
import { networkFigures, type WarmupFigures } from '../../warmup-network/figures.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable } from '../io.js';

export function registerWarmupCommands(program: Command): void {
  const warmup = program.command('warmup').description('warm-up mail among own mailboxes (identities added with --warmup-network)');
  warmup
    .command('status')
    .description('per identity over 7 days: warm-up sent, received, inbox rate of its warm-up mail, spam, rescues')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }, command: Command) => {
      const figures = await withDatabase(configFor(command), (db) => networkFigures(db, processClock()()));
      process.stdout.write(raw.json ? `${JSON.stringify(figures, null, 2)}\n` : table(figures));
    });
}

const percent = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);

function table(figures: WarmupFigures[]): string {
  if (figures.length === 0) return 'no identity is in the warm-up network (identity add ... --warmup-network)\n';
  const rows = figures.map((f) => [f.identity, String(f.sent), String(f.received), percent(f.inboxRate), String(f.spam), String(f.rescues)]);
  return formatTable(['identity', 'sent', 'received', 'inbox rate', 'spam', 'rescues'], rows);
}
