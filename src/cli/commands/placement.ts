// `petrel placement test|list|show`: send a test message to seed mailboxes through an identity and
// report inbox / spam / missing per seed (`petrel serve` delivers and reads the seeds). Exit 0 when the
// test ran, whatever the placement; 1 for unknown names or a pool without IMAP seeds; 2 bad flags.
import type { Command } from 'commander';
import { z } from 'zod';
import { reportOf, resultRows, summaryLine, type PlacementReport } from '../../placement/report.js';
import { finishPlacementTest, startPlacementTest, waitForSeeds, type SeedMessage } from '../../placement/run.js';
import { PlacementStore } from '../../placement/store.js';
import type { PetrelConfig } from '../../config/schema.js';
import type { Db } from '../../store/db.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { formatTable, formatTime } from '../io.js';
import { enqueue, makeEnvelope } from './send.js';

const whole = (flag: string, min: number) =>
  z.string().regex(/^\d+$/, `${flag} must be a whole number`).transform(Number).refine((n) => n >= min, `${flag} must be at least ${min}`);

const testOptions = z.object({
  identity: z.string({ error: '--identity NAME is required' }),
  seeds: z.string({ error: '--seeds POOL is required' }),
  campaign: z.string().optional(),
  step: whole('--step', 1).optional(),
  wait: whole('--wait', 0).default(300),
  json: z.boolean().default(false),
}).refine((o) => o.step === undefined || o.campaign !== undefined, '--step goes with --campaign');
const jsonOption = z.object({ json: z.boolean().default(false) });

export function registerPlacementCommands(program: Command): void {
  const placement = program.command('placement').description('inbox placement tests at seed mailboxes');
  placement
    .command('test')
    .description('send a test message to each seed mailbox through an identity and report inbox, spam or missing')
    .requiredOption('--identity <name>', 'the identity to test')
    .requiredOption('--seeds <pool>', 'a pool whose members with IMAP are the seed mailboxes')
    .option('--campaign <name>', 'send this campaign\'s step, rendered with the seed as the contact')
    .option('--step <n>', 'the campaign step (default 1)')
    .option('--wait <seconds>', 'how long to wait for the copies (default 300)')
    .option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const o = testOptions.parse(raw);
      const config = configFor(command);
      const clock = processClock();
      const report = await withDatabase(config, async (db) => {
        const request = { identity: o.identity, seeds: o.seeds, ...(o.campaign ? { campaign: o.campaign } : {}), ...(o.step ? { step: o.step } : {}) };
        const id = await startPlacementTest(db, request, (identity, m) => queue(db, config, identity, m), clock());
        if (!o.json) process.stderr.write(`placement test ${id}: waiting up to ${o.wait} s for the seed mailboxes\n`);
        await waitForSeeds(db, id, o.wait * 1000);
        return finishPlacementTest(db, id, clock());
      });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
  placement
    .command('list')
    .description('placement tests, newest first')
    .option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const reports = await withDatabase(configFor(command), (db) => {
        const store = new PlacementStore(db);
        return store.list().map((t) => reportOf(t, store.results(t.id)));
      });
      if (json) return void process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      if (reports.length === 0) return void process.stdout.write('no placement tests\n');
      process.stdout.write(formatTable(['id', 'started', 'identity', 'seeds', 'state', 'placement'],
        reports.map((r) => [r.id, formatTime(r.startedAt), r.identity, r.seeds, r.state, summaryLine(r.summary)])));
    });
  placement
    .command('show <id>')
    .description('one placement test, seed by seed')
    .option('--json', 'print JSON')
    .action(async (id: string, raw: unknown, command: Command) => {
      const { json } = jsonOption.parse(raw);
      const report = await withDatabase(configFor(command), (db) => {
        const store = new PlacementStore(db);
        const test = store.get(id);
        return test ? reportOf(test, store.results(id)) : null;
      });
      if (!report) throw new Error(`no placement test ${id}`);
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    });
}

/** Queues one seed's message through the tested identity, like `petrel send` (the server delivers it). */
function queue(db: Db, config: PetrelConfig, identity: string, m: SeedMessage): Promise<string> {
  const envelope = { ...makeEnvelope(m.sender, [m.seed.address], m.bytes, Date.now()), identity };
  return enqueue(db, config, envelope, m);
}

function formatReport(r: PlacementReport): string {
  const head = `placement test ${r.id}: ${r.identity} to pool ${r.seeds}, ${r.state}\n${summaryLine(r.summary)}\n\n`;
  return head + formatTable(['seed', 'address', 'result', 'folder', 'spf', 'dkim', 'dmarc'], resultRows(r.results));
}
