#!/usr/bin/env node
// `npm run bench:cluster`: what cluster mode (shared state in PostgreSQL) costs one node, per message,
// against the same node on SQLite alone, in one run: inbound SMTP (smtp-source to the MX) and API sends
// (POST /v1/messages) and campaign sends; then one campaign run by 1, 2 and 3 nodes on one PostgreSQL
// (sends/s against 1 node, claims per node, claim contention). Prints tables with ratios. Loopback only;
// bounded runs: a campaign that does not reach the sink within --timeout seconds fails the bench.

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { startPetrel, STANDARD_SETUP } from '../dist/test/kit/petrel.js';
import { startPostgres } from '../dist/test/kit/postgres.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { treeCpuSeconds } from './lib/proc.mjs';
import { CLAIM_RESULTS, campaignOnCluster, campaignOnSqlite } from './lib/cluster-campaign.mjs';
import { startSink } from './lib/sink.mjs';
import { freePort } from './lib/smtp.mjs';

const { values: opts } = parseArgs({
  options: {
    messages: { type: 'string', default: '500' },
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '20' },
    contacts: { type: 'string', default: '1000' },
    identities: { type: 'string', default: '10' },
    batch: { type: 'string', default: '100' },
    nodes: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '180' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: node bench/cluster.mjs [options]
  --messages N     inbound messages per mode (default 500)
  --requests N     API sends per mode (default 500)
  --concurrency C  API workers (default 20)
  --contacts N     campaign contacts, one send each (default 1000; 0 skips the campaign part)
  --identities N   relay identities in the campaign's pool (default 10)
  --batch B        campaigns.batch of every node (default 100)
  --nodes K        the campaign with 1..K nodes on PostgreSQL (default 3, at most 3)
  --timeout S      give up on a campaign run after S seconds (default 180)
`);
  process.exit(0);
}
const MESSAGES = Number(opts.messages);
const REQUESTS = Number(opts.requests);
const CONCURRENCY = Number(opts.concurrency);
const CAMPAIGN = {
  contacts: Number(opts.contacts), identities: Number(opts.identities), batch: Number(opts.batch),
  nodes: Math.min(3, Math.max(1, Number(opts.nodes))), timeoutS: Number(opts.timeout),
};

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** Inbound: smtp-source sends MESSAGES 1 KiB messages over 10 sessions to the MX (stored locally). */
async function inbound(p) {
  const started = process.hrtime.bigint();
  const cpu = treeCpuSeconds([p.pid]);
  await run('/usr/sbin/smtp-source', ['-d', '-s', '10', '-m', String(MESSAGES), '-l', '1024', '-f', 'bench@client.test',
    '-t', 'postmaster@local.test', `127.0.0.1:${p.ports.mx}`], 300_000);
  return figures(MESSAGES, started, treeCpuSeconds([p.pid]) - cpu);
}

/** API: REQUESTS POSTs of a small message by CONCURRENCY workers; each must answer 202. */
async function api(p) {
  const key = (await p.cli(['apikey', 'create', `bench-${randomBytes(3).toString('hex')}`, '--scope', 'send'])).stdout.trim();
  const body = JSON.stringify({ from: 'alice@example.test', to: ['bob@dest.bench.test'], subject: 'cluster bench', text: 'x'.repeat(1023) });
  const url = `http://127.0.0.1:${p.ports.http}/v1/messages`;
  let next = 0;
  let failed = 0;
  let first = '';
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
      const text = await r.text();
      if (r.status !== 202) {
        failed++;
        first ||= `${r.status} ${text.slice(0, 200)}`;
      }
    }
  };
  const started = process.hrtime.bigint();
  const cpu = treeCpuSeconds([p.pid]);
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (failed > 0) console.error(`${failed} API sends were not accepted, e.g. ${first}\n${p.logs.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join('\n')}`);
  return { ...figures(REQUESTS - failed, started, treeCpuSeconds([p.pid]) - cpu), failed };
}

function figures(n, started, cpuSeconds) {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: n / seconds, cpuMsPerMessage: (cpuSeconds * 1000) / n };
}

/** One node with delivery off (the queue only fills), on SQLite alone or on `pg`. */
function startNode(pg) {
  const cluster = pg ? { store: { postgres: { url: pg.url, poolSize: 4 } }, node: { name: 'bench-a' } } : {};
  return startPetrel({ setup: STANDARD_SETUP, log: { level: 'warn' }, delivery: { enabled: false }, ...cluster });
}

async function measure(pg) {
  console.error(`measuring ${pg ? 'PostgreSQL' : 'SQLite'} mode`);
  const p = await startNode(pg);
  try {
    return { inbound: await inbound(p), api: await api(p) };
  } finally {
    await p.dispose();
  }
}

const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');
const fixed = (v, d = 0) => (v === null || v === undefined ? '-' : v.toFixed(d));

function oneNodeTable(sqlite, shared, campaign) {
  console.log(`one node, ${MESSAGES} inbound messages, ${REQUESTS} API sends (concurrency ${CONCURRENCY}), ${CAMPAIGN.contacts} campaign sends`);
  console.log(`API sends refused: SQLite ${sqlite.api.failed}, PostgreSQL ${shared.api.failed}`);
  console.log('| workload | SQLite msg/s | PostgreSQL msg/s | ratio | SQLite CPU ms/msg | PostgreSQL CPU ms/msg | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  const rows = [['inbound', sqlite.inbound, shared.inbound], ['API send', sqlite.api, shared.api]];
  if (campaign) rows.push(['campaign send', toMsg(campaign.sqlite), toMsg(campaign.runs[0])]);
  for (const [w, a, b] of rows) {
    console.log(`| ${w} | ${fixed(a.perSecond)} | ${fixed(b.perSecond)} | ${ratio(b.perSecond, a.perSecond)} | ${fixed(a.cpuMsPerMessage, 2)} | ${fixed(b.cpuMsPerMessage, 2)} | ${ratio(b.cpuMsPerMessage, a.cpuMsPerMessage)} |`);
  }
}

const toMsg = (r) => ({ perSecond: r.sendsPerS, cpuMsPerMessage: r.cpuMsPerSend });

function campaignTables({ sqlite, runs }) {
  console.log(`\ncampaign: ${CAMPAIGN.contacts} contacts, ${CAMPAIGN.identities} relay identities (no caps, no gap), smtp-sink; sends/s from \`campaign start\` to the last message at the sink`);
  console.log('| mode | nodes | steps queued/s | sends/s | ratio to 1 node | sends/s first→last | CPU ms/send (all nodes) | claims per node |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| SQLite | 1 | ${fixed(sqlite.queuedPerS)} | ${fixed(sqlite.sendsPerS)} | - | ${fixed(sqlite.drainPerS)} | ${fixed(sqlite.cpuMsPerSend, 2)} | - |`);
  for (const r of runs) {
    console.log(`| PostgreSQL | ${r.nodes} | ${fixed(r.queuedPerS)} | ${fixed(r.sendsPerS)} | ${ratio(r.sendsPerS, runs[0].sendsPerS)} | ${fixed(r.drainPerS)} | ${fixed(r.cpuMsPerSend, 2)} | ${Object.entries(r.perNode).map(([n, c]) => `${n} ${c}`).join(', ')} |`);
  }
  console.log('\nclaim contention (each node\'s petrel_campaign_claims_total; retries = taken + busy + moved + capped)');
  console.log(`| nodes | node | ${CLAIM_RESULTS.join(' | ')} | claims/s | retries per claim |`);
  console.log(`|---|---|${CLAIM_RESULTS.map(() => '---|').join('')}---|---|`);
  for (const r of runs) {
    const seconds = CAMPAIGN.contacts / r.queuedPerS;
    r.claims.forEach((c, i) => {
      const retries = c.taken + c.busy + c.moved + c.capped;
      console.log(`| ${r.nodes} | ${String.fromCharCode(97 + i)} | ${CLAIM_RESULTS.map((k) => c[k]).join(' | ')} | ${r.queuedPerS ? fixed(c.claimed / seconds) : '-'} | ${c.claimed ? (retries / c.claimed).toFixed(2) : '-'} |`);
    });
  }
}

/** SQLite node, then 1..K nodes on PostgreSQL, all to one counting smtp-sink. */
async function campaignPart() {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-cluster-bench-'));
  const sink = await startSink({ port: await freePort(), logFile: join(dir, 'sink.log') });
  try {
    console.error('campaign: SQLite, one node');
    const sqlite = await campaignOnSqlite(sink, CAMPAIGN);
    const runs = [];
    for (let k = 1; k <= CAMPAIGN.nodes; k++) {
      console.error(`campaign: PostgreSQL, ${k} node(s)`);
      runs.push(await campaignOnCluster(k, sink, CAMPAIGN));
    }
    return { sqlite, runs };
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pg = await startPostgres();
let sqlite;
let shared;
try {
  sqlite = await measure(null);
  shared = await measure(pg);
} finally {
  await pg.destroy();
}
const campaign = CAMPAIGN.contacts > 0 ? await campaignPart() : null;
oneNodeTable(sqlite, shared, campaign);
if (campaign) campaignTables(campaign);
console.log(`\nmachine: ${(await import('node:os')).cpus().length} CPUs shared by every node, PostgreSQL, the sink and this harness`);
