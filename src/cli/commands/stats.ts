// `petrel stats`: delivery figures per sending domain and per source IP over a rolling window, from
// the event log. Bad options exit 2; database errors exit 1.
import type { Command } from 'commander';
import { z } from 'zod';
import { computeStats, type Figures, type StatsReport } from '../../events/stats.js';
import { parseDomain } from '../../smtp/wire/address.js';
import { configFor, withDatabase } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, formatTime } from '../io.js';
import { parseDuration } from './events.js';

const statsOptions = z.object({
  window: z.string().default('24h'),
  domain: z.string().optional(),
  json: z.boolean().default(false),
});

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('delivery figures and bounce/complaint rates per sending domain and source IP')
    .option('--window <duration>', 'how far back: 1h, 24h, 7d', '24h')
    .option('--domain <domain>', 'only this sending domain')
    .option('--json', 'print the figures as JSON')
    .action(async (raw: unknown, command: Command) => {
      const parsed = statsOptions.safeParse(raw);
      if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'bad options');
      const { window, domain, json } = parsed.data;
      const until = Date.now();
      const query = { since: until - parseDuration(window, '--window'), until, ...(domain === undefined ? {} : { domain: requireDomain(domain) }) };
      const report = await withDatabase(configFor(command), (db) => computeStats(db, query));
      process.stdout.write(json ? `${JSON.stringify(toJson(report), null, 2)}\n` : statsView(report));
    });
}

function requireDomain(text: string): string {
  const domain = parseDomain(text);
  if (!domain) throw new UsageError(`--domain: "${text}" is not a domain name`);
  return domain;
}

function toJson(r: StatsReport) {
  return { since: new Date(r.since).toISOString(), until: new Date(r.until).toISOString(), total: r.total, domains: r.domains, sourceIps: r.sourceIps };
}

const HEADERS = ['ACCEPTED', 'DELIVERED', 'DEFERRED', 'BOUNCED', '(HARD)', 'EXPIRED', 'COMPLAINED', 'SUPPRESSED', 'BOUNCE%', 'COMPLAINT%'];

function cells(f: Figures): string[] {
  const counts = [f.accepted, f.delivered, f.deferred, f.bounced, f.hardBounced, f.expired, f.complained, f.suppressed];
  return [...counts.map(String), percent(f.bounceRate), percent(f.complaintRate)];
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(2)}%`);

function statsView(r: StatsReport): string {
  const head = `events from ${formatTime(r.since)} to ${formatTime(r.until)}\n\n`;
  if (r.domains.length === 0) return `${head}no events in this window\n`;
  const domains = r.domains.map((d) => [d.domain === '' ? '<>' : d.domain, ...cells(d)]);
  domains.push(['(all)', ...cells(r.total)]);
  const ips = r.sourceIps.map((s) => [s.ip, ...cells(s)]);
  const ipTable = ips.length === 0 ? '' : `\n${formatTable(['SOURCE IP', ...HEADERS], ips)}`;
  return head + formatTable(['SENDING DOMAIN', ...HEADERS], domains) + ipTable;
}
