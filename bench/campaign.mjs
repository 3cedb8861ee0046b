#!/usr/bin/env node
// Campaign bench: (1) `petrel contacts import` of 100,000 generated contacts (--no-mx-check), timed;
// (2) a 1-step campaign (schedule: always, no dailyLimit) over N contacts and a pool of 50 relay
// identities to postfix's smtp-sink, timed from `campaign start` to the Nth message at the sink, with
// the CPU of `petrel serve` per message; (3) the same N messages through POST /v1/messages with the
// same pool on a fresh Petrel (the baseline), and the ratios campaign / API. Each run checks that the
// sink got N distinct Message-IDs, and for the campaign that `campaign status` counts N sent.
//
// Loopback only (inside a private network namespace when root); every phase is bounded in messages
// and time. See bench/README.md.

import { chmodSync, createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

import { sendThroughApi } from './lib/campaign-api-load.mjs';
import { POOL_NAME, cli, copyTemplate, deliveryFigures, outstanding, setupTemplate, startServe } from './lib/campaign-petrel.mjs';
import { contactAddress, contactsCsv } from './lib/contacts-csv.mjs';
import { measureDrain } from './lib/drain.mjs';
import { RESULTS_DIR } from './lib/paths.mjs';
import { writeJson } from './lib/report.mjs';
import { SMTP_SINK, startSink } from './lib/sink.mjs';
import { freePort } from './lib/smtp.mjs';
import { announceRun, machineInfo, rerunInNetns } from './lib/system.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const DOMAINS = 2_000;
const MAX_TOTAL_MINUTES = 30;

const USAGE = `usage: node bench/campaign.mjs [options]     (npm run bench:campaign -- [options])

  --contacts N        messages per run: campaign contacts and API sends (default 20000)
  --import-rows N     rows of the timed contacts import (default 100000; 0 skips it)
  --repeat K          campaign and API runs, alternating; medians are reported (default 1)
  --identities N      relay identities in the pool (default 50)
  --connections C     delivery.concurrency.global; one connection per identity (default 20)
  --api-connections C HTTP keep-alive connections of the API baseline (default 20)
  --batch B           campaigns.batch (default 500)
  --tick-ms T         campaigns.tickMs (default 100)
  --drain-timeout S   give up on a run after S seconds (default 300)
  --stall-timeout S   give up when no message reached the sink for S seconds, counted from
                      the start of the run (default 60)
  --no-netns          do not run inside a private network namespace
  --keep              keep the work directory (data, logs, the sink's dump)
  --json PATH         where to write the JSON result (default bench/results/campaign-<date>.json)
  -h, --help          this text

PETREL_BENCH_CPU_PROF=DIR writes a V8 CPU profile of every petrel serve into DIR.`;

const log = (...args) => console.log(...args);

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      contacts: { type: 'string', default: '20000' }, 'import-rows': { type: 'string', default: '100000' },
      repeat: { type: 'string', default: '1' }, identities: { type: 'string', default: '50' },
      connections: { type: 'string', default: '20' }, 'api-connections': { type: 'string', default: '20' },
      batch: { type: 'string', default: '500' }, 'tick-ms': { type: 'string', default: '100' },
      'drain-timeout': { type: 'string', default: '300' }, 'stall-timeout': { type: 'string', default: '60' },
      netns: { type: 'boolean', default: true }, 'no-netns': { type: 'boolean', default: false }, 'in-netns': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false }, json: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  return {
    help: values.help, keep: values.keep, json: values.json, netns: values.netns && !values['no-netns'], inNetns: values['in-netns'],
    contacts: int('contacts', 1, 200_000), importRows: int('import-rows', 0, 1_000_000), repeat: int('repeat', 1, 9),
    identities: int('identities', 1, 100), connections: int('connections', 1, 200), apiConnections: int('api-connections', 1, 200),
    batch: int('batch', 1, 5000), tickMs: int('tick-ms', 50, 60_000), drainTimeoutS: int('drain-timeout', 10, 1800), stallTimeoutS: int('stall-timeout', 5, 600),
  };
}

const campaignYaml = (list) => `name: bench
list: ${list}
pool: ${POOL_NAME}
schedule: always
steps:
  - delay: 0
    subject: "Quick question, {{first_name}}"
    text: "{Hi|Hello} {{first_name}}, is {{company}} hiring? We help teams like yours send mail from their own servers.\\n\\nBest,\\nSam"
`;

/** Message-IDs and MAIL FROM addresses in the sink's dump since its last reset. */
async function readDump(file) {
  const ids = new Set();
  const senders = new Map();
  let messageIds = 0;
  if (!existsSync(file)) return { messageIds, distinct: 0, senders };
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.startsWith('X-Mail-Args:')) {
      const from = /<([^>]*)>/.exec(line)?.[1] ?? '?';
      senders.set(from, (senders.get(from) ?? 0) + 1);
    } else if (/^message-id:/i.test(line)) {
      messageIds++;
      ids.add(line.slice(11).trim());
    }
  }
  return { messageIds, distinct: ids.size, senders };
}

/** Wait until Petrel has no outbound recipient left to deliver (or the deadline). */
async function settleQueue(dataDir, deadlineMs, before = async () => {}) {
  await before();
  let left = outstanding(dataDir);
  while (left > 0 && Date.now() < deadlineMs) {
    await sleep(100);
    left = outstanding(dataDir);
  }
  return left === 0 ? { ok: true, detail: 'queue empty' } : { ok: false, detail: `${left} outbound recipients not final` };
}

async function importPhase(opts, template, root) {
  const dir = join(root, 'import');
  const dataDir = copyTemplate(template, join(dir, 'data'));
  const file = join(dir, 'contacts.csv');
  writeFileSync(file, contactsCsv(opts.importRows, DOMAINS));
  const r = await cli(['contacts', 'import', file, '--list', 'import-bench', '--no-mx-check', '--json'], dataDir);
  const result = JSON.parse(r.stdout);
  rmSync(dataDir, { recursive: true, force: true });
  return { rows: opts.importRows, seconds: r.seconds, rowsPerS: opts.importRows / r.seconds, imported: result.imported, skipped: result.skipped.length };
}

/** One campaign run on a fresh copy of the template. */
async function campaignRun(opts, ctx, r) {
  const workDir = join(ctx.root, `campaign-${r}`);
  mkdirSync(workDir, { recursive: true });
  const dataDir = copyTemplate(ctx.template, join(workDir, 'data'));
  const imported = await cli(['contacts', 'import', ctx.csvFile, '--list', 'bench', '--no-mx-check', '--json'], dataDir);
  writeFileSync(join(workDir, 'campaign.yaml'), campaignYaml('bench'));
  await cli(['campaign', 'create', '--file', join(workDir, 'campaign.yaml')], dataDir);
  const serve = await startServe({ dataDir, workDir, config: ctx.config });
  ctx.sink.resetDump();
  let startCli = null;
  try {
    const m = await measureDrain({
      contender: {
        pidBeforeRelease: () => serve.pid,
        release: async () => {
          startCli = await cli(['campaign', 'start', 'bench', '--force'], dataDir, { config: serve.configFile });
          return { pid: serve.pid };
        },
        failure: serve.failure,
        settle: (deadlineMs) => settleQueue(dataDir, deadlineMs),
      },
      sink: ctx.sink, count: opts.contacts, timeoutS: opts.drainTimeoutS, stallS: opts.stallTimeoutS,
    });
    const status = m.error ? null : JSON.parse((await cli(['campaign', 'status', 'bench', '--json'], dataDir, { config: serve.configFile })).stdout);
    return finishRun('campaign', m, { ctx, serve, dataDir, extra: { importS: imported.seconds, startCliS: startCli?.seconds ?? null, statusSent: status?.steps?.[0]?.sent ?? null, statusState: status?.state ?? null } });
  } finally {
    await serve.stop();
  }
}

/** One API run: the same N messages through POST /v1/messages with the pool, on a fresh copy. */
async function apiRun(opts, ctx, r) {
  const workDir = join(ctx.root, `api-${r}`);
  mkdirSync(workDir, { recursive: true });
  const dataDir = copyTemplate(ctx.template, join(workDir, 'data'));
  const serve = await startServe({ dataDir, workDir, config: ctx.config });
  ctx.sink.resetDump();
  let load = null;
  try {
    const m = await measureDrain({
      contender: {
        pidBeforeRelease: () => serve.pid,
        release: async () => {
          load = sendThroughApi({
            base: serve.base, key: ctx.template.key, count: opts.contacts, connections: opts.apiConnections, pool: POOL_NAME,
            addressOf: (i) => contactAddress(i, DOMAINS).toLowerCase(), timeoutMs: opts.drainTimeoutS * 1000,
          });
          return { pid: serve.pid };
        },
        failure: serve.failure,
        settle: (deadlineMs) => settleQueue(dataDir, deadlineMs, () => load),
      },
      sink: ctx.sink, count: opts.contacts, timeoutS: opts.drainTimeoutS, stallS: opts.stallTimeoutS,
    });
    const sent = load ? await load : null;
    return finishRun('api', m, { ctx, serve, dataDir, extra: { apiAccepted: sent?.accepted ?? 0, apiFailed: sent?.failed ?? 0, apiError: sent?.firstError ?? null, apiSendS: sent?.seconds ?? null } });
  } finally {
    await serve.stop();
  }
}

/** The run's record with its checks: N distinct Message-IDs at the sink from the pool's identities, nothing throttled. */
async function finishRun(kind, m, { ctx, dataDir, extra }) {
  const n = ctx.opts.contacts;
  const dump = await readDump(ctx.dumpFile);
  const figures = deliveryFigures(dataDir);
  const fromPool = [...dump.senders].filter(([s]) => ctx.template.addresses.has(s)).reduce((a, [, c]) => a + c, 0);
  const problems = [];
  if (m.error) problems.push(m.error);
  if (!m.settled.ok) problems.push(`did not settle: ${m.settled.detail}`);
  if (dump.distinct !== n || dump.messageIds !== n) problems.push(`the sink got ${dump.messageIds} Message-IDs, ${dump.distinct} distinct, wanted ${n}`);
  if (fromPool !== n) problems.push(`${fromPool} messages from the pool's identities at the sink, wanted ${n}`);
  if (figures.throttledEvents > 0) problems.push(`${figures.throttledEvents} identity.throttled events`);
  if (kind === 'campaign' && extra.statusSent !== n) problems.push(`campaign status: steps[0].sent = ${extra.statusSent}, wanted ${n}`);
  if (kind === 'api' && extra.apiAccepted !== n) problems.push(`${extra.apiAccepted} API sends accepted of ${n}: ${extra.apiError}`);
  // The harness's reaped children (the `campaign start` CLI) are not Petrel's server: take them out.
  const serveCpuS = m.cpuS - m.helperCpuS;
  return {
    kind, ...m, ...extra, serveCpuS, cpuMsPerMsg: (serveCpuS * 1000) / n,
    sink: { messageIds: dump.messageIds, distinct: dump.distinct, fromPool, senders: dump.senders.size },
    identitiesUsed: figures.identities, states: figures.states, ok: problems.length === 0, error: problems.join('; ') || null,
  };
}

const f = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

function runLine(r) {
  return `  ${r.kind.padEnd(9)} ${f(r.delivered).padStart(6)} at the sink  ${f(r.msgsPerSInclStart).padStart(6)} msgs/s from start  ` +
    `${f(r.msgsPerS).padStart(6)} msgs/s drain  start ${f(r.startS, 2)} s  CPU ${f(r.serveCpuS, 2)} s (${f(r.cpuMsPerMsg, 3)} ms/msg, ${f(r.cpuPct)} %)  ` +
    `other CPU ${f(r.otherCpuPct)} %` + (r.ok ? '' : `  FAILED: ${r.error}`);
}

function median(runs, key) {
  const values = runs.filter((r) => r.ok && r[key] !== null).map((r) => r[key]).sort((a, b) => a - b);
  return values.length ? values[Math.floor((values.length - 1) / 2)] : null;
}

function report(opts, importResult, runs) {
  if (importResult) {
    log(`\n== Import: petrel contacts import, ${f(importResult.rows)} rows, --no-mx-check ==`);
    log(`  ${f(importResult.seconds, 2)} s, ${f(importResult.rowsPerS)} rows/s (imported ${f(importResult.imported)}, skipped ${importResult.skipped})`);
  }
  const kinds = ['campaign', 'api'];
  const med = Object.fromEntries(kinds.map((k) => {
    const rs = runs.filter((r) => r.kind === k);
    return [k, { runs: rs, ok: rs.filter((r) => r.ok).length, start: median(rs, 'msgsPerSInclStart'), drain: median(rs, 'msgsPerS'), cpu: median(rs, 'cpuMsPerMsg'), startS: median(rs, 'startS'), cpuPct: median(rs, 'cpuPct'), sinkPct: median(rs, 'sinkCpuPct'), harnessPct: median(rs, 'harnessCpuPct') }];
  }));
  log(`\n== ${f(opts.contacts)} messages, ${opts.identities} relay identities in one pool, smtp-sink; medians of ${opts.repeat} run(s) ==`);
  log('| path | runs ok | msgs/s from start | msgs/s first→last | start s | Petrel CPU ms/msg | Petrel CPU % | sink CPU % | harness CPU % |');
  log('|---|---|---|---|---|---|---|---|---|');
  for (const k of kinds) {
    const x = med[k];
    log(`| ${k === 'campaign' ? 'campaign (engine)' : 'API (POST /v1/messages)'} | ${x.ok}/${x.runs.length} | ${f(x.start)} | ${f(x.drain)} | ${f(x.startS, 2)} | ${f(x.cpu, 3)} | ${f(x.cpuPct)} | ${f(x.sinkPct)} | ${f(x.harnessPct)} |`);
  }
  const ratio = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
  log(`\ncampaign / API: throughput from start ${f(ratio(med.campaign.start, med.api.start), 2)}x, first→last ${f(ratio(med.campaign.drain, med.api.drain), 2)}x; ` +
    `CPU per message ${f(ratio(med.campaign.cpu, med.api.cpu), 2)}x`);
  log(`config: campaigns.tickMs ${opts.tickMs}, campaigns.batch ${opts.batch}, sending.jitter 0, identities without caps or gap, ` +
    `delivery.concurrency { perDestination: 1, global: ${opts.connections} }, API with ${opts.apiConnections} connections`);
  return med;
}

async function run(opts) {
  const root = mkdtempSync(join(tmpdir(), 'petrel-campaign-bench-'));
  chmodSync(root, 0o755); // the sink runs as nobody and writes its dump below
  const startedAt = new Date();
  const machine = announceRun(log, `Petrel campaign bench — ${startedAt.toISOString()}`, opts.inNetns);
  const dumpFile = join(root, 'sink-dump', 'transactions');
  const sink = await startSink({ port: await freePort(), logFile: join(root, 'sink.log'), dumpFile });
  const deadline = Date.now() + MAX_TOTAL_MINUTES * 60_000;
  try {
    log(`sink: smtp-sink pid ${sink.pid} on port ${sink.port} (dumping transactions)`);
    const template = await setupTemplate({ dir: root, sinkPort: sink.port, identities: opts.identities });
    log(`template: domain bench.test (no DKIM), ${opts.identities} relay identities (own relay accounts, no caps, no gap) in pool ${POOL_NAME}`);
    let importResult = null;
    if (opts.importRows > 0) {
      importResult = await importPhase(opts, template, root);
      log(`import: ${f(importResult.rows)} rows in ${f(importResult.seconds, 2)} s (${f(importResult.rowsPerS)} rows/s)`);
    }
    const csvFile = join(root, 'campaign-contacts.csv');
    writeFileSync(csvFile, contactsCsv(opts.contacts, DOMAINS));
    const config = { connections: opts.connections, tickMs: opts.tickMs, batch: opts.batch };
    const ctx = { opts, root, sink, dumpFile, template, csvFile, config };
    const runs = [];
    for (let r = 0; r < opts.repeat && Date.now() < deadline; r++) {
      for (const [kind, fn] of [['campaign', campaignRun], ['api', apiRun]]) {
        let result;
        try {
          result = await fn(opts, ctx, r);
        } catch (err) {
          result = { kind, ok: false, error: err.message, delivered: 0 };
        }
        runs.push(result);
        log(runLine(result));
      }
    }
    const med = report(opts, importResult, runs);
    const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
    const jsonPath = opts.json ?? join(RESULTS_DIR, `campaign-${stamp}.json`);
    writeJson(jsonPath, { bench: 'campaign', startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, loadavgAtEnd: machineInfo().loadavg, options: opts, import: importResult, runs, medians: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, { ...v, runs: undefined }])) });
    log(`\nresult: ${jsonPath}${opts.keep ? `\nwork directory kept: ${root}` : ''}`);
    return runs.every((r) => r.ok) ? 0 : 1;
  } finally {
    await sink.stop();
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  let opts;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  if (!opts.inNetns) {
    if (!existsSync(SMTP_SINK)) {
      console.error(`${SMTP_SINK} not found: install Debian's postfix package (it ships smtp-sink).`);
      return 1;
    }
    if (!existsSync(fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url)))) {
      console.error('dist/ missing: run npm run build (npm run bench:campaign does).');
      return 1;
    }
    if (opts.netns) {
      const code = await rerunInNetns(SCRIPT, process.argv.slice(2));
      if (code !== null) return code;
      log('note: no private network namespace (needs root, unshare and ip); running on the host loopback');
    }
  }
  return run(opts);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.stack || err.message);
    process.exit(1);
  },
);
