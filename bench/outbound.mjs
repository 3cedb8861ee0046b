#!/usr/bin/env node
// Outbound delivery benchmark: N messages (1 KiB and 100 KiB bodies) are queued in each
// contender with delivery stopped, then delivery starts and the drain to postfix's
// smtp-sink is timed. Contenders, one at a time against the same sink:
//   Petrel      `petrel serve` with the sink as smarthost, 20 connections
//   Postfix     a private instance (own config, queue and log, loopback only,
//               relayhost = the sink), 20 parallel deliveries
//   nodemailer  a pooled transport (20 connections) in a child process
//   petrel-pool (asked for by name or --case pool) Petrel with 50 sending identities, each
//               relaying to the sink, against the plain Petrel: what the identity path costs
// Prints msgs/s, CPU and peak RSS per contender and size, Petrel's ratios to the peers
// with the issue's targets, and writes the lot to bench/results/.
//
// Everything runs on 127.0.0.1 (by default inside a private network namespace whose
// only interface is loopback); every phase is bounded in messages and time.
// See bench/README.md.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { sizeLabel } from './lib/args.mjs';
import { measureDrain } from './lib/drain.mjs';
import { MessageSet } from './lib/message.mjs';
import { nodemailerContender } from './lib/nodemailer.mjs';
import { CONTENDERS, USAGE, countFor, parseArgs } from './lib/outbound-args.mjs';
import { POOL_TARGET, TARGETS, poolChecks, poolLines, runsTable, targetChecks, targetLines } from './lib/outbound-report.mjs';
import { RESULTS_DIR } from './lib/paths.mjs';
import { petrelContender } from './lib/petrel-outbound.mjs';
import { petrelPoolContender } from './lib/petrel-pool.mjs';
import { postfixContender } from './lib/postfix-contender.mjs';
import { writeJson } from './lib/report.mjs';
import { SMTP_SINK, startSink } from './lib/sink.mjs';
import { freePort } from './lib/smtp.mjs';
import { announceRun, ensureBenchDependencies, machineInfo, rerunInNetns } from './lib/system.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const MAX_TOTAL_MINUTES = 30;
const SETTLE_MS = 500;

const log = (...args) => console.log(...args);

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
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
    ensureBenchDependencies(opts.only.includes('nodemailer'), ['nodemailer']);
    if (opts.netns) {
      const code = await rerunInNetns(SCRIPT, process.argv.slice(2));
      if (code !== null) return code;
      log('note: no private network namespace (needs root, unshare and ip); running on the host loopback');
    }
  }
  return run(opts);
}

function makeContenders(opts) {
  const all = {
    petrel: () => petrelContender({ connections: opts.connections, deferred: opts.deferred, dkim: opts.dkim }),
    postfix: () => postfixContender({ connections: opts.connections }),
    nodemailer: () => nodemailerContender({ connections: opts.connections }),
    'petrel-pool': () =>
      petrelPoolContender({
        connections: opts.connections,
        dkim: opts.dkim,
        identities: opts.poolIdentities,
        perDestination: opts.poolPerDestination,
        sharedRelay: opts.poolSharedRelay,
        sendsPerIdentity: Math.ceil((opts.repeat * opts.sizes.reduce((n, size) => n + countFor(opts, size), 0)) / opts.poolIdentities),
      }),
  };
  return CONTENDERS.filter((name) => opts.only.includes(name)).map((name) => all[name]());
}

async function run(opts) {
  const workRoot = mkdtempSync(join(tmpdir(), 'petrel-outbound-'));
  // The private Postfix's daemons run as the postfix user and must reach their dirs.
  chmodSync(workRoot, 0o755);
  const live = [];
  const skipped = [];
  let sink = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const contender of live) {
      try {
        await contender.teardown();
      } catch (err) {
        log(`warning: stopping ${contender.label}: ${err.message}`);
      }
    }
    if (sink) await sink.stop();
    if (!opts.keep) rmSync(workRoot, { recursive: true, force: true });
  };
  const onSignal = async () => {
    log('\ninterrupted: stopping the contenders and the sink');
    await cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const deadline = Date.now() + MAX_TOTAL_MINUTES * 60_000;
  const startedAt = new Date();
  const machine = announceRun(log, `Petrel outbound bench — ${startedAt.toISOString()}`, opts.inNetns);

  try {
    // 1. The sink, shared by every contender.
    const sinkPort = await freePort();
    // The pool case checks every envelope the sink got, so the sink keeps a dump (for every contender alike).
    const dumpFile = opts.only.includes('petrel-pool') ? join(workRoot, 'sink-dump', 'transactions') : null;
    sink = await startSink({ port: sinkPort, logFile: join(workRoot, 'sink.log'), dumpFile });
    log(`sink: smtp-sink pid ${sink.pid} on 127.0.0.1:${sinkPort}${dumpFile ? ' (dumping envelopes)' : ''}`);

    // 2. Set every contender up (Postfix starts here; Petrel gets its domain and user).
    for (const contender of makeContenders(opts)) {
      const reason = contender.unavailable();
      if (reason) {
        skipped.push({ contender: contender.name, reason });
        log(`skip ${contender.label}: ${reason}`);
        continue;
      }
      const workDir = join(workRoot, contender.name);
      mkdirSync(workDir, { recursive: true });
      try {
        await contender.setup({ workDir, sinkPort });
        live.push(contender);
        log(`${contender.label}: ready (${contender.version() ?? 'version unknown'})`);
      } catch (err) {
        skipped.push({ contender: contender.name, reason: err.message });
        log(`skip ${contender.label}: ${err.message}`);
        try {
          await contender.teardown();
        } catch {
          // nothing more to do
        }
      }
    }
    if (live.length === 0) throw new Error('no contender could be set up');

    // 3. Size by size, contender by contender (back to back, so drifts in machine load
    //    hit all of them alike): queue, drain, verify; R times, keep the median. The pool
    //    case is a ratio of two Petrel runs, so there the repeats alternate between them.
    const runs = [];
    const interleave = live.some((c) => c.name === 'petrel-pool');
    for (const size of opts.sizes) {
      const count = countFor(opts, size);
      const messages = new MessageSet(size, count);
      log(`\n${sizeLabel(size)} bodies (${messages.bytes(0)} bytes a message), ${count} messages per drain`);
      const attemptsOf = new Map(live.map((c) => [c, []]));
      for (const contender of schedule(live, opts.repeat, interleave)) {
        const attempts = attemptsOf.get(contender);
        if (attempts.some((a) => a.skipped)) continue;
        if (Date.now() > deadline) {
          attempts.push({ ...failed(contender, size, count, `skipped: bench passed ${MAX_TOTAL_MINUTES} min`), skipped: true });
          continue;
        }
        const attempt = await runOnce(contender, { size, count, messages, sink, opts });
        attempts.push(attempt);
        log(runLine(attempt));
        await sleep(SETTLE_MS);
      }
      for (const attempts of attemptsOf.values()) {
        const chosen = median(attempts);
        if (attempts.length > 1) {
          chosen.repeats = attempts.map((a) => (a.ok ? Math.round(a.msgsPerS) : 'failed'));
          chosen.cpuRepeats = attempts.map((a) => (a.ok ? a.cpuMsPerMsg : null));
          chosen.otherCpuRepeats = attempts.map((a) => (a.ok ? Math.round(a.otherCpuPct) : null));
        }
        runs.push(chosen);
      }
    }

    // 4. Report.
    await cleanup();
    const checks = targetChecks(runs);
    for (const size of opts.sizes) {
      const rows = runs.filter((r) => r.size === size);
      log(`\n== ${sizeLabel(size)}: drain to smtp-sink (msgs/s from the first to the last message at the sink) ==`);
      log(runsTable(rows));
    }
    if (checks.length) {
      log(
        `\n== Petrel / peer (targets: >= ${TARGETS.postfix}x Postfix, >= ${TARGETS.nodemailer}x nodemailer, ` +
          `>= ${TARGETS.minRateAt100k} msgs/s at 100 KiB) ==`,
      );
      log(targetLines(checks));
    } else if (opts.only.includes('petrel')) {
      log('\n(no Petrel figures paired with a peer, so no ratios)');
    }
    const pool = poolChecks(runs);
    if (pool.length) {
      log(`\n== Sending identities: Petrel pool / Petrel (target: identity path under ${POOL_TARGET * 100} % of the CPU per message) ==`);
      log(poolLines(pool));
    }
    for (const s of skipped) log(`skipped ${s.contender}: ${s.reason.split('\n')[0]}`);

    const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
    const jsonPath = opts.json ?? join(RESULTS_DIR, `outbound-${stamp}.json`);
    writeJson(jsonPath, {
      bench: 'outbound',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      loadavgAtEnd: machineInfo().loadavg,
      options: { ...opts, sizes: opts.sizes.map(sizeLabel) },
      contenders: live.map((c) => ({ name: c.name, label: c.label, version: c.version() })),
      skipped,
      runs,
      targets: TARGETS,
      checks,
      ...(pool.length ? { pool: { settings: live.find((c) => c.name === 'petrel-pool')?.settings, checks: pool, target: POOL_TARGET } } : {}),
    });
    log(`\nresult: ${jsonPath}${opts.keep ? `\nwork directory kept: ${workRoot}` : ''}`);
    return runs.every((r) => r.ok) ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** Queue `count` messages in one contender, then measure its drain to the sink. */
async function runOnce(contender, { size, count, messages, sink, opts }) {
  const sinkBefore = sink.count();
  const sessionsBefore = sink.sessions();
  let queued;
  try {
    queued = await contender.queue({ messages, count, sinkPort: sink.port, feedTimeoutS: opts.feedTimeoutS, sink });
  } catch (err) {
    return failed(contender, size, count, `queue phase: ${err.message}`);
  }
  await sleep(SETTLE_MS);
  const early = sink.count() - sinkBefore;
  if (early > 0) {
    return failed(contender, size, count, `${early} messages reached the sink during the queue phase: delivery was not stopped`);
  }
  const m = await measureDrain({
    contender,
    sink,
    count,
    timeoutS: opts.drainTimeoutS,
    stallS: opts.stallTimeoutS,
  });
  let verify;
  try {
    verify = await contender.finish({ sink });
  } catch (err) {
    verify = { error: err.message };
  }
  let error = m.error;
  if (!error && !m.settled.ok) error = `did not settle: ${m.settled.detail}`;
  if (!error && (verify.bounced > 0 || verify.stillQueued > 0)) error = `verification: ${JSON.stringify(verify)}`;
  const drainError = error;
  if (!error && verify.problem) error = `verification: ${verify.problem}`;
  const notes = [];
  if (m.delivered > count) notes.push(`the sink got ${m.delivered} messages for ${count}`);
  if (verify.sent !== undefined && verify.sent !== count) notes.push(`maillog shows ${verify.sent} sent`);
  if (verify.delivered !== undefined && verify.delivered !== count) notes.push(`database shows ${verify.delivered} delivered`);
  if (drainError && contender.explain) log(contender.explain(drainError));
  return {
    contender: contender.name,
    label: contender.label,
    size,
    planned: count,
    queued: queued.queued,
    fedS: queued.fedS,
    queueNote: queued.note,
    ...m,
    // Connections the contender opened to the sink (its sess= counter): 20,000 messages at 100 a connection need 200.
    sinkSessions: sink.sessions() - sessionsBefore,
    verify,
    notes,
    ok: error === null,
    error,
  };
}

function runLine(r) {
  const f = (v, d = 0) => (v === null || v === undefined ? '-' : v.toFixed(d));
  return (
    `  ${r.label.padEnd(22)} ${String(r.delivered ?? 0).padStart(6)}/${r.planned} ` +
    `${f(r.msgsPerS).padStart(6)} msgs/s  start ${f(r.startS, 2)} s  CPU ${f(r.cpuS, 2)} s ` +
    `(${f(r.cpuMsPerMsg, 3)} ms/msg)  RSS ${f((r.peakRssKb ?? 0) / 1024)} MB` +
    (r.fedS ? `  [fed in ${r.fedS.toFixed(1)} s]` : '') +
    (r.ok ? '' : `  FAILED: ${r.error.split('\n')[0]}`) +
    (r.notes?.length ? `  (${r.notes.join('; ')})` : '')
  );
}

/** The order of the runs of one size: each contender R times, or (interleaved) R rounds of all. */
function schedule(live, repeat, interleave) {
  const rounds = Array.from({ length: repeat }, () => live);
  return interleave ? rounds.flat() : live.flatMap((c) => Array.from({ length: repeat }, () => c));
}

function failed(contender, size, count, error) {
  return {
    contender: contender.name,
    label: contender.label,
    size,
    planned: count,
    delivered: 0,
    msgsPerS: null,
    cpuS: null,
    peakRssKb: 0,
    ok: false,
    error,
  };
}

function median(attempts) {
  const good = attempts.filter((a) => a.ok).sort((a, b) => a.msgsPerS - b.msgsPerS);
  const pool = good.length ? good : attempts;
  return pool[Math.floor((pool.length - 1) / 2)];
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.stack || err.message);
    process.exit(1);
  },
);
