// `petrel campaign create|start|pause|resume|stop|delete|list|status|preview|preflight|contacts`: campaigns as
// data (campaign.yaml), run by the engine of `petrel serve`. A bad file exits 2 naming the path of each
// problem; a failed preflight exits 1 unless --force; unknown campaigns exit 1.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { unsubscribeBaseUrl, unsubscribeDomain } from '../../app/campaigns.js';
import { runPreflight } from '../../app/preflight.js';
import { CampaignControl } from '../../campaigns/control.js';
import { renderPreflight } from '../../campaigns/preflight.js';
import { previewStep, renderPreview } from '../../campaigns/preview.js';
import { campaignStatus, renderStatus } from '../../campaigns/status.js';
import { CampaignStore, CONTACT_STATES, type ContactState } from '../../campaigns/store.js';
import { CampaignInputError } from '../../campaigns/validate.js';
import { processClock } from '../../util/clock.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../io.js';

const json = z.object({ json: z.boolean().default(false) });
const createOptions = z.object({ file: z.string().min(1), replace: z.boolean().default(false) });
const startOptions = z.object({ force: z.boolean().default(false) });
const previewOptions = z.object({ contact: z.string().min(3), step: z.coerce.number().int().positive().optional(), json: z.boolean().default(false) });
const contactsOptions = z.object({ state: z.enum(CONTACT_STATES).optional(), limit: z.coerce.number().int().positive().max(100_000).default(100), json: z.boolean().default(false) });

const print = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('multi-step campaigns over a list and a pool of identities');
  campaign.command('create').description('create a campaign from a YAML (or JSON) file')
    .requiredOption('--file <path>', 'the campaign file').option('--replace', 'replace the definition of an existing campaign')
    .action(async (raw: unknown, command: Command) => {
      const o = createOptions.parse(raw);
      const input = readCampaignFile(o.file);
      const stored = await withDatabase(configFor(command), (db) => {
        const store = new CampaignStore(db);
        try {
          return o.replace ? store.replace(input, processClock()()) : store.create(input, processClock()());
        } catch (error) {
          if (error instanceof CampaignInputError) throw new UsageError(`${o.file}: ${error.message}`);
          throw error;
        }
      });
      print(`campaign ${stored.name}: ${stored.state}, ${stored.definition.steps.length} step(s), list ${stored.definition.list}`);
    });
  campaign.command('start <name>').description('run the preflight, then start sending')
    .option('--force', 'start even if the preflight fails')
    .action(async (name: string, raw: unknown, command: Command) => {
      const { force } = startOptions.parse(raw);
      const config = configFor(command);
      await withDatabase(config, async (db) => {
        const now = processClock()();
        const report = await runPreflight(config, db, new CampaignStore(db).require(name).definition, now);
        print(renderPreflight(report));
        if (!report.ok && !force) throw new Error(`preflight failed: campaign ${name} not started (fix the failures, or start with --force)`);
        const started = new CampaignControl(db).start(name, now);
        print(`campaign ${name}: ${started.state}${report.ok ? '' : ' (despite the preflight: --force)'}`);
      });
    });
  for (const [verb, text] of [['pause', 'pause sending (steps in the queue are held)'], ['resume', 'resume a paused campaign and its paused contacts'], ['stop', 'stop for good: every open contact stops']] as const) {
    campaign.command(`${verb} <name>`).description(text).action(async (name: string, _raw: unknown, command: Command) => {
      const out = await withDatabase(configFor(command), (db) => control(db, verb, name));
      print(out);
    });
  }
  campaign.command('delete <name>').description('delete a draft, stopped or finished campaign (its sent mail and events stay)')
    .action(async (name: string, _raw: unknown, command: Command) => {
      await withDatabase(configFor(command), (db) => new CampaignControl(db).remove(name));
      print(`deleted campaign ${name}`);
    });
  campaign.command('list').description('campaigns with their state and contacts').option('--json', 'print JSON')
    .action(async (raw: unknown, command: Command) => {
      const o = json.parse(raw);
      const rows = await withDatabase(configFor(command), (db) => new CampaignStore(db).list().map((c) => ({ ...campaignStatus(db, c.name), steps: c.definition.steps.length })));
      if (o.json) return printJson(rows);
      print(rows.length === 0 ? 'no campaigns' : formatTable(['campaign', 'state', 'list', 'via', 'steps', 'contacts'],
        rows.map((r) => [r.name, r.state, r.list, r.pool ? `pool ${r.pool}` : `identity ${r.identity}`, String(r.steps), summary(r.contacts)])));
    });
  campaign.command('status <name>').description('sends per step and variant, and contacts by state').option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const o = json.parse(raw);
      const status = await withDatabase(configFor(command), (db) => campaignStatus(db, name));
      if (o.json) printJson(status);
      else print(renderStatus(status));
    });
  campaign.command('preview <name>').description('exactly what a contact would get').requiredOption('--contact <email>', 'the contact')
    .option('--step <n>', 'the step (default: the contact\'s next one)').option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const o = previewOptions.parse(raw);
      const config = configFor(command);
      const p = await withDatabase(config, (db) => previewStep(db, name, o.contact, { baseUrl: unsubscribeBaseUrl(config, null), domain: unsubscribeDomain(config) }, o.step));
      if (o.json) printJson(p);
      else print(renderPreview(p));
      if (!p.ok) throw new Error(`step ${p.step} of campaign ${name} cannot be sent to ${p.contact}`);
    });
  campaign.command('preflight <name>').description('the checklist a start runs').option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const o = json.parse(raw);
      const config = configFor(command);
      const report = await withDatabase(config, (db) => runPreflight(config, db, new CampaignStore(db).require(name).definition, processClock()()));
      if (o.json) printJson(report);
      else print(renderPreflight(report));
      if (!report.ok) throw new Error(`preflight of campaign ${name} failed`);
    });
  campaign.command('contacts <name>').description('the campaign\'s contacts (newest change first)')
    .option('--state <state>', `one of ${CONTACT_STATES.join(', ')}`).option('--limit <n>', 'at most this many', '100').option('--json', 'print JSON')
    .action(async (name: string, raw: unknown, command: Command) => {
      const o = contactsOptions.parse(raw);
      const rows = await withDatabase(configFor(command), (db) => {
        new CampaignStore(db).require(name);
        return new CampaignStore(db).contacts(name, { ...(o.state ? { state: o.state as ContactState } : {}), limit: o.limit });
      });
      const out = rows.map((r) => ({ ...r, nextAt: r.nextAt === null ? null : new Date(r.nextAt).toISOString() }));
      if (o.json) return printJson(out);
      print(out.length === 0 ? 'no contacts' : formatTable(['contact', 'state', 'steps sent', 'next', 'identity', 'reason'],
        out.map((r) => [r.email, r.state, String(r.step), r.nextAt ?? '', r.identity ?? '', r.reason ?? ''])));
    });
}

function control(db: Parameters<typeof campaignStatus>[0], verb: 'pause' | 'resume' | 'stop', name: string): string {
  const c = new CampaignControl(db);
  const now = processClock()();
  if (verb === 'pause') return `campaign ${name}: paused (${c.pause(name, now)} queued step(s) held)`;
  if (verb === 'resume') {
    const r = c.resume(name, now);
    return `campaign ${name}: running (${r.released} held step(s) released, ${r.contacts} paused contact(s) resumed)`;
  }
  return `campaign ${name}: stopped (${c.stop(name, now)} contact(s) stopped)`;
}

/** The campaign file: YAML (JSON is YAML too); unreadable or unparsable files are usage errors. */
function readCampaignFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
}

function summary(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
}
