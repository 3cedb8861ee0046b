#!/usr/bin/env node
// `npm run bench:cluster`: what cluster mode (shared state in PostgreSQL) costs one node, per message,
// against the same node on SQLite alone, in one run: inbound SMTP (smtp-source to the MX) and API sends
// (POST /v1/messages). Prints a table with the PostgreSQL/SQLite ratios. Loopback only; bounded runs.
// Campaign sends (1, 2, 3 nodes) are not measured yet: see the note printed at the end.

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { startPetrel, STANDARD_SETUP } from '../dist/test/kit/petrel.js';
import { startPostgres } from '../dist/test/kit/postgres.js';
import { treeCpuSeconds } from './lib/proc.mjs';

const { values: opts } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/cluster.mjs [--messages N] [--requests N] [--concurrency C]\n');
  process.exit(0);
}
const MESSAGES = Number(opts.messages);
const REQUESTS = Number(opts.requests);
const CONCURRENCY = Number(opts.concurrency);

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

const pg = await startPostgres();
try {
  const sqlite = await measure(null);
  const shared = await measure(pg);
  console.log(`one node, ${MESSAGES} inbound messages, ${REQUESTS} API sends (concurrency ${CONCURRENCY})`);
  console.log(`API sends refused: SQLite ${sqlite.api.failed}, PostgreSQL ${shared.api.failed}`);
  console.log('workload   SQLite msg/s  PostgreSQL msg/s  ratio   SQLite CPU ms/msg  PostgreSQL CPU ms/msg  ratio');
  for (const w of ['inbound', 'api']) {
    const a = sqlite[w];
    const b = shared[w];
    console.log([w.padEnd(10), a.perSecond.toFixed(0).padEnd(13), b.perSecond.toFixed(0).padEnd(17), (b.perSecond / a.perSecond).toFixed(2).padEnd(7),
      a.cpuMsPerMessage.toFixed(2).padEnd(18), b.cpuMsPerMessage.toFixed(2).padEnd(22), (b.cpuMsPerMessage / a.cpuMsPerMessage).toFixed(2)].join(' '));
  }
  console.log('campaign sends (1, 2, 3 nodes): not measured yet — waits for cluster-wide campaign claims (issue #14)');
} finally {
  await pg.destroy();
}
