#!/usr/bin/env node
// Inbound SMTP benchmark: postfix's smtp-source against Petrel (durable) and, in the
// same run, against three accept-and-discard peers: postfix's smtp-sink, smtp-server
// and Haraka. Prints msgs/s, CPU and peak RSS per server, Petrel's ratios to each
// peer, and the RSS of 1,000 idle connections; writes the lot to bench/results/.
//
// Everything runs on 127.0.0.1 (by default inside a private network namespace whose
// only interface is loopback), and every load run is bounded in messages and time.
// See bench/README.md.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { USAGE, cells, parseArgs, sizeLabel } from './lib/args.mjs';
import { smtpSourceRestartS } from './lib/calibrate.mjs';
import { SMTP_SOURCE, runSmtpSource, stopAllLoad } from './lib/load.mjs';
import { RESULTS_DIR } from './lib/paths.mjs';
import { measureTree, processTree, treeRssKb } from './lib/proc.mjs';
import { cellLabel, idleTable, ratioLines, ratios, throughputTable, writeJson } from './lib/report.mjs';
import { allServers, petrelStoredMessages } from './lib/servers.mjs';
import { freePort, greetingLatencyMs, openIdleConnections, readGreeting } from './lib/smtp.mjs';
import {
  announceRun,
  ensureBenchDependencies,
  machineBusySeconds,
  machineInfo,
  reapedChildrenCpuSeconds,
  rerunInNetns,
  selfCpuSeconds,
} from './lib/system.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const PETREL_IDLE_TARGET_MB = 150;
const WARMUP = { size: 1024, sessions: 20, perConn: 1 };
const SETTLE_MS = 500;
const MAX_TOTAL_MINUTES = 20;

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
    if (!existsSync(SMTP_SOURCE)) {
      console.error(`${SMTP_SOURCE} not found: install Debian's postfix package (it ships smtp-source and smtp-sink).`);
      return 1;
    }
    ensureBenchDependencies(opts.only.includes('haraka') || opts.only.includes('smtp-server'));
    if (opts.netns) {
      const code = await rerunInNetns(SCRIPT, process.argv.slice(2));
      if (code !== null) return code;
      log('note: no private network namespace (needs root, unshare and ip); running on the host loopback');
    }
  }
  return run(opts);
}

async function run(opts) {
  const workRoot = mkdtempSync(join(tmpdir(), 'petrel-bench-'));
  const live = [];
  const skipped = [];
  let cleaned = false;
  const stopAll = () => Promise.all(live.map((entry) => entry.handle.stop()));
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await stopAll();
    if (!opts.keep) rmSync(workRoot, { recursive: true, force: true });
  };
  const onSignal = async () => {
    log('\ninterrupted: stopping load and servers');
    stopAllLoad();
    await cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const deadline = Date.now() + MAX_TOTAL_MINUTES * 60_000;
  const startedAt = new Date();
  const machine = announceRun(log, `Petrel inbound bench — ${startedAt.toISOString()}`, opts.inNetns);

  try {
    // 1. Start every selected server on its own free loopback port.
    for (const server of allServers(opts).filter((s) => opts.only.includes(s.name))) {
      const reason = server.unavailable();
      if (reason) {
        skipped.push({ server: server.name, reason });
        log(`skip ${server.label}: ${reason}`);
        continue;
      }
      const workDir = join(workRoot, server.name);
      mkdirSync(workDir, { recursive: true });
      const port = await freePort();
      const t0 = Date.now();
      try {
        const handle = await server.start({ port, workDir, logFile: join(workDir, 'server.log') });
        live.push({ server, handle, workDir, startupS: (Date.now() - t0) / 1000 });
      } catch (err) {
        skipped.push({ server: server.name, reason: err.message });
        log(`skip ${server.label}: ${err.message}`);
      }
    }
    if (live.length === 0) throw new Error('no server could be started');

    // 2. Idle connections, on the freshly started servers: RSS of the server tree
    //    holding N silent connections that have had their greeting.
    const idle = [];
    if (opts.idle > 0) {
      log(`\nidle test: ${opts.idle} connections per server, held ${opts.idleHoldS} s`);
      for (const entry of [...live]) {
        const result = await idleTest(entry, opts);
        idle.push(result);
        log(
          `  ${entry.server.label.padEnd(14)} ${result.greeted}/${result.requested} held, ` +
            `RSS ${(result.rssBeforeKb / 1024).toFixed(1)} -> ${(result.rssIdleKb / 1024).toFixed(1)} MB` +
            (result.note ? `  (${result.note})` : ''),
        );
        // Start the load phase from a fresh process, so memory the idle test left
        // behind does not show up as the server's peak RSS under load.
        await entry.handle.stop();
        try {
          entry.handle = await entry.server.start({
            port: await freePort(),
            workDir: entry.workDir,
            logFile: join(entry.workDir, 'server.log'),
          });
        } catch (err) {
          skipped.push({ server: entry.server.name, reason: `restart after the idle test failed: ${err.message}` });
          live.splice(live.indexOf(entry), 1);
        }
      }
    }

    // 3. Greeting latency and a warm-up (JIT, pools, caches), not measured; and how
    //    long smtp-source takes to restart between rounds of the K-per-connection mode.
    const restartS = opts.perConn.some((k) => k > 1) ? await smtpSourceRestartS() : null;
    if (restartS !== null) log(`smtp-source restart between rounds: ${(restartS * 1000).toFixed(1)} ms (calibrated)`);
    const warmupCount = Math.max(200, Math.round(2000 * opts.scale));
    for (const entry of [...live]) {
      const { server, handle } = entry;
      entry.greetingMs = await greetingLatencyMs(handle.port);
      const warm = await runSmtpSource({
        port: handle.port,
        ...WARMUP,
        count: warmupCount,
        timeoutMs: opts.cellTimeoutS * 1000,
      });
      entry.accepted = warm.delivered;
      // A warm-up cut short by the time limit has still warmed the server up.
      const ok = warm.timedOut ? warm.delivered > 0 : warm.exitCode === 0 && warm.delivered >= warm.planned;
      log(
        `${server.label.padEnd(14)} pid ${handle.pid}, port ${handle.port}, up in ${entry.startupS.toFixed(1)} s, ` +
          `greeting ${entry.greetingMs.toFixed(1)} ms: ${handle.greeting}` +
          (ok ? '' : `\n  warm-up FAILED (${warm.delivered}/${warm.planned}): ${warm.stderr || 'timeout'}`),
      );
      if (entry.greetingMs >= 90) log(`  warning: ${server.label} greets slowly; a greeting delay dominates its figures`);
      if (!ok) {
        skipped.push({ server: server.name, reason: `warm-up failed: ${warm.stderr || 'timeout'}` });
        await handle.stop();
        live.splice(live.indexOf(entry), 1);
      }
    }

    // 4. The matrix, cell by cell; inside a cell every server runs back to back, so
    //    slow drifts in machine load hit all of them alike.
    const runs = [];
    const matrix = cells(opts);
    log(`\nload: ${matrix.length} cells x ${live.length} servers, repeat ${opts.repeat}`);
    for (const cell of matrix) {
      for (const entry of live) {
        if (Date.now() > deadline) {
          runs.push(failedRun(entry, cell, `skipped: bench passed ${MAX_TOTAL_MINUTES} min`));
          continue;
        }
        if (!entry.handle.isAlive()) {
          runs.push(failedRun(entry, cell, 'server not running'));
          continue;
        }
        const attempts = [];
        for (let i = 0; i < opts.repeat; i++) {
          const attempt = await measureRun(entry, cell, opts, restartS);
          entry.accepted += attempt.delivered;
          attempts.push(attempt);
          await sleep(SETTLE_MS);
        }
        const chosen = median(attempts);
        if (opts.repeat > 1) chosen.repeats = attempts.map((a) => Math.round(a.msgsPerS));
        runs.push(chosen);
        log(
          `  ${entry.server.label.padEnd(14)} ${cellLabel(cell).padEnd(28)} ${String(Math.round(chosen.msgsPerS)).padStart(6)} msgs/s` +
            (chosen.restartS ? ` (${Math.round(chosen.netMsgsPerS)} excl. restarts)` : '') +
            `  CPU ${chosen.cpuPct.toFixed(0).padStart(3)}%  RSS ${(chosen.peakRssKb / 1024).toFixed(0).padStart(4)} MB` +
            (chosen.ok ? (chosen.partial ? `  ${chosen.partial}` : '') : `  ${chosen.error}`),
        );
      }
    }

    // 5. Stop everything; check Petrel stored every message it accepted, and note
    //    its on-disk footprint.
    await stopAll();
    const servers = live.map(({ server, handle, startupS, greetingMs, accepted }) => ({
      name: server.name,
      label: server.label,
      version: server.version(),
      greeting: handle.greeting,
      greetingMs,
      startupS,
      accepted,
      stored: handle.dataDir ? petrelStoredMessages(handle.dataDir) : undefined,
      dataDirKb: handle.dataDir ? diskUsageKb(handle.dataDir) : undefined,
    }));
    await cleanup();
    const storeCheck = servers.find((s) => s.stored !== undefined);

    // 6. Report.
    const ratioList = ratios(runs);
    log('\n== throughput (msgs/s over the run; CPU and RSS of the server process tree) ==');
    log(throughputTable(runs));
    if (ratioList.length) {
      log("\n== Petrel / peer (above 1 means Petrel is faster, leaner on CPU, or larger in memory) ==");
      log(ratioLines(ratioList));
    } else if (opts.only.includes('petrel')) {
      log('\n(no Petrel figures, so no ratios)');
    }
    if (idle.length) {
      log(`\n== ${opts.idle} idle connections (Petrel target: under ${PETREL_IDLE_TARGET_MB} MB RSS) ==`);
      log(idleTable(idle));
    }
    if (storeCheck) {
      const all = storeCheck.stored >= storeCheck.accepted;
      log(
        `\nPetrel store: ${storeCheck.stored} messages in the database for ${storeCheck.accepted} accepted` +
          ` (warm-up included) — ${all ? 'all stored' : 'MISSING MESSAGES'}; data dir ${((storeCheck.dataDirKb ?? 0) / 1024).toFixed(0)} MB`,
      );
    }
    for (const s of skipped) log(`skipped ${s.server}: ${s.reason.split('\n')[0]}`);

    const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
    const jsonPath = opts.json ?? join(RESULTS_DIR, `inbound-${stamp}.json`);
    writeJson(jsonPath, {
      bench: 'inbound',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      loadavgAtEnd: machineInfo().loadavg,
      options: { ...opts, sizes: opts.sizes.map(sizeLabel) },
      servers,
      smtpSourceRestartS: restartS,
      skipped,
      runs,
      ratios: ratioList,
      idle,
    });
    log(`\nresult: ${jsonPath}${opts.keep ? `\nwork directory kept: ${workRoot}` : ''}`);
    return runs.every((r) => r.ok) ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** One smtp-source run against one server, with the server tree's CPU and RSS. */
async function measureRun(entry, cell, opts, restartS) {
  const { server, handle } = entry;
  const busy0 = machineBusySeconds();
  const client0 = reapedChildrenCpuSeconds();
  const self0 = selfCpuSeconds();
  const m = await measureTree(handle.pid, () =>
    runSmtpSource({ port: handle.port, ...cell, timeoutMs: opts.cellTimeoutS * 1000 }),
  );
  const load = m.result;
  const clientCpuS = reapedChildrenCpuSeconds() - client0;
  const harnessCpuS = selfCpuSeconds() - self0;
  const otherCpuS = Math.max(0, machineBusySeconds() - busy0 - m.cpuS - clientCpuS - harnessCpuS);
  // A run stopped at the time limit still has a rate (delivered / elapsed): it is kept
  // and marked partial. Anything else short of every message is an error.
  let error = null;
  if (!handle.isAlive()) error = `server exited (${JSON.stringify(handle.exitStatus())})`;
  else if (load.timedOut && load.delivered === 0) error = `nothing delivered in ${opts.cellTimeoutS} s`;
  else if (!load.timedOut && load.exitCode !== 0) error = `smtp-source exit ${load.exitCode}: ${lastLine(load.stderr)}`;
  else if (!load.timedOut && load.delivered < load.planned) error = `only ${load.delivered}/${load.planned} delivered`;
  const partial = error === null && load.timedOut ? `partial: stopped at the ${opts.cellTimeoutS} s limit` : null;
  return {
    server: server.name,
    label: server.label,
    size: cell.size,
    sessions: cell.sessions,
    perConn: cell.perConn,
    planned: load.planned,
    delivered: load.delivered,
    rounds: load.rounds,
    elapsedS: load.elapsedS,
    msgsPerS: load.delivered / load.elapsedS,
    ...withoutRestarts(load, restartS),
    cpuS: m.cpuS,
    cpuPct: (m.cpuS / m.elapsedS) * 100,
    peakRssKb: m.peakRssKb,
    sampledPeakRssKb: m.sampledPeakRssKb,
    hwmSumKb: m.hwmSumKb,
    endRssKb: m.endRssKb,
    processes: m.processes,
    clientCpuS,
    clientCpuPct: (clientCpuS / m.elapsedS) * 100,
    harnessCpuS,
    otherCpuPct: (otherCpuS / m.elapsedS) * 100,
    ok: error === null,
    partial,
    error,
  };
}

async function idleTest(entry, opts) {
  const { server, handle } = entry;
  const rssBeforeKb = await settledRssKb(handle.pid);
  const conns = await openIdleConnections(handle.port, opts.idle);
  await sleep(opts.idleHoldS * 1000);
  const rssIdleKb = treeRssKb(processTree(handle.pid));
  const stats = conns.stats();
  await conns.close();
  await sleep(1000);
  let note;
  try {
    await readGreeting(handle.port, 5000);
  } catch (err) {
    note = `no greeting after the idle test: ${err.message}`;
  }
  if (server.name === 'petrel') {
    const met = rssIdleKb / 1024 < PETREL_IDLE_TARGET_MB && stats.greeted === stats.requested;
    note = [note, `target <${PETREL_IDLE_TARGET_MB} MB ${met ? 'met' : 'MISSED'}`].filter(Boolean).join('; ');
  }
  return {
    server: server.name,
    label: server.label,
    ...stats,
    holdS: opts.idleHoldS,
    rssBeforeKb,
    rssIdleKb,
    perConnKb: stats.greeted > 0 ? (rssIdleKb - rssBeforeKb) / stats.greeted : null,
    note,
  };
}

/**
 * For the K-per-connection rounds: the time smtp-source spent restarting between
 * rounds (calibrated gap x rounds) and the rate over the remaining time.
 */
function withoutRestarts(load, restartS) {
  if (load.rounds <= 1 || !restartS) return { restartS: 0, netMsgsPerS: load.delivered / load.elapsedS };
  const restart = Math.min(load.rounds * restartS, 0.9 * load.elapsedS);
  return { restartS: restart, netMsgsPerS: load.delivered / (load.elapsedS - restart) };
}

/** The tree's RSS once it stops moving (two readings 500 ms apart within 1%, or 10 s). */
async function settledRssKb(pid) {
  let last = treeRssKb(processTree(pid));
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    const now = treeRssKb(processTree(pid));
    if (Math.abs(now - last) <= 0.01 * last) return now;
    last = now;
  }
  return last;
}

function failedRun(entry, cell, error) {
  return {
    server: entry.server.name,
    label: entry.server.label,
    ...cell,
    planned: cell.count,
    delivered: 0,
    msgsPerS: 0,
    netMsgsPerS: 0,
    cpuS: 0,
    cpuPct: 0,
    peakRssKb: 0,
    ok: false,
    error,
  };
}

function median(attempts) {
  const sorted = [...attempts].sort((a, b) => a.msgsPerS - b.msgsPerS);
  const good = sorted.filter((a) => a.ok);
  const pool = good.length ? good : sorted;
  return pool[Math.floor((pool.length - 1) / 2)];
}

function lastLine(text) {
  return (text || '').trim().split('\n').pop() ?? '';
}

function diskUsageKb(dir) {
  try {
    return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split(/\s/)[0]);
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.stack || err.message);
    process.exit(1);
  },
);
