// The Petrel contender of the outbound bench.
//
// Setup: a data directory with the sending domain bench.test (`petrel domain add
// --sending`) and a user allowed to send from it (`petrel user add --allow-from`).
// Queue phase: `petrel serve` with delivery.enabled: false and one submission
// listener; the bench's feeder sends the messages over STARTTLS + AUTH PLAIN, many per
// connection; then Petrel is stopped. Release: the config is rewritten with
// delivery.enabled: true and Petrel is started again; the drain is timed from that
// spawn (Node's start-up included) to the Nth message at the sink. Settled: no outbound
// recipient left in a non-final state (queued, deferred, active, held) in the database.
//
// Delivery config: everything goes to the sink as smarthost (plaintext, loopback),
// 20 connections to it (delivery.concurrency.perDestination), logs at warn, DNS
// pointed at 127.0.0.1 so nothing can leave the machine even outside the namespace.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { feed } from './feeder.mjs';
import { RECIPIENT, SENDER, SENDER_DOMAIN } from './message.mjs';
import { REPO_DIR } from './paths.mjs';
import { launch, tail } from './servers.mjs';
import { HOST, freePort } from './smtp.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const PETREL_CLI = join(REPO_DIR, 'dist', 'src', 'cli', 'main.js');
const PASSWORD = 'bench-password-not-secret';
const OUTSTANDING = ['queued', 'deferred', 'active', 'held'];
const FINAL = ['delivered', 'relayed', 'bounced', 'expired'];

function cli(args, { dataDir, cwd, input }) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [PETREL_CLI, ...args, '--data-dir', dataDir],
      { cwd, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`petrel ${args.slice(0, 2).join(' ')} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
    child.stdin.end(input ?? '');
  });
}

/**
 * Recipients of outbound messages by state, read with the project's better-sqlite3
 * (read-only; Petrel's database is in WAL mode, so this is safe while it runs).
 * null when the database cannot be read.
 */
export function outboundStates(dataDir) {
  try {
    const require = createRequire(join(REPO_DIR, 'package.json'));
    const Database = require('better-sqlite3');
    const db = new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(
          `SELECT r.state AS state, count(*) AS n FROM recipients r JOIN messages m ON m.id = r.message_id
            WHERE m.direction = 'outbound' GROUP BY r.state`,
        )
        .all();
      return Object.fromEntries(rows.map((row) => [row.state, row.n]));
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

const sum = (states, names) => names.reduce((n, name) => n + (states?.[name] ?? 0), 0);

export function petrelContender({ connections, readyTimeoutS = 60 }) {
  let workDir;
  let dataDir;
  let configFile;
  let logFile;
  let port;
  let sinkPort;
  let server = null;
  let before = null;
  let queuedNow = 0;

  const writeConfig = (enabled) => {
    writeFileSync(
      configFile,
      [
        '# written by bench/lib/petrel-outbound.mjs',
        'hostname: bench.test',
        `listeners: [{ name: submission, address: ${HOST}, port: ${port}, role: submission }]`,
        'limits: { maxConnections: 1000, maxConnectionsPerIp: 1000 }',
        `dns: { servers: ['${HOST}'], timeoutMs: 1000, attempts: 1 }`,
        'log: { level: warn }',
        'delivery:',
        `  enabled: ${enabled}`,
        `  smarthost: { host: '${HOST}', port: ${sinkPort}, tls: none }`,
        `  concurrency: { perDestination: ${connections} }`,
        '',
      ].join('\n'),
    );
  };

  const start = (enabled) => {
    writeConfig(enabled);
    return launch({
      name: 'petrel',
      command: process.execPath,
      // PETREL_BENCH_CPU_PROF=DIR writes a V8 CPU profile of each Petrel run into DIR.
      args: [...profileArgs(), PETREL_CLI, 'serve', '--data-dir', dataDir, '--config', configFile],
      port,
      logFile,
      cwd: workDir,
      readyTimeoutMs: readyTimeoutS * 1000,
    });
  };

  const stop = async () => {
    if (server) await server.stop();
    server = null;
  };

  return {
    name: 'petrel',
    label: 'Petrel',
    unavailable: () => (existsSync(PETREL_CLI) ? null : `${PETREL_CLI} missing (run npm run build)`),
    version: () => {
      try {
        return JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')).version;
      } catch {
        return undefined;
      }
    },
    async setup(ctx) {
      workDir = ctx.workDir;
      sinkPort = ctx.sinkPort;
      dataDir = join(workDir, 'data');
      configFile = join(workDir, 'petrel.yaml');
      logFile = join(workDir, 'petrel.log');
      mkdirSync(dataDir, { recursive: true });
      port = await freePort();
      await cli(['domain', 'add', SENDER_DOMAIN, '--sending'], { dataDir, cwd: workDir });
      await cli(['user', 'add', SENDER, '--password-stdin', '--allow-from', `*@${SENDER_DOMAIN}`], {
        dataDir,
        cwd: workDir,
        input: `${PASSWORD}\n`,
      });
    },
    async queue({ messages, count, feedTimeoutS }) {
      await stop();
      const beforeFeed = outboundStates(dataDir);
      server = await start(false);
      let fed;
      try {
        fed = await feed({
          port,
          count,
          connections,
          parts: (i) => messages.parts(i),
          from: SENDER,
          to: RECIPIENT,
          starttls: true,
          auth: { user: SENDER, password: PASSWORD },
          timeoutMs: feedTimeoutS * 1000,
        });
      } finally {
        await stop();
      }
      if (fed.accepted !== count) throw new Error(`feed: ${fed.accepted}/${count} accepted: ${fed.errors[0] ?? ''}`);
      before = outboundStates(dataDir);
      queuedNow = sum(before, OUTSTANDING);
      const sentEarly = sum(before, FINAL) - sum(beforeFeed, FINAL);
      if (before && sentEarly > 0) {
        throw new Error(
          `Petrel delivered ${sentEarly} of the ${count} messages during the queue phase although ` +
            `delivery.enabled was false: ${JSON.stringify(before)}`,
        );
      }
      if (before && queuedNow !== count) {
        throw new Error(`after feeding, ${queuedNow} outbound recipients are waiting, wanted ${count}: ${JSON.stringify(before)}`);
      }
      return { queued: before ? queuedNow : count, fedS: fed.elapsedS, note: before ? 'in the database' : 'database not read' };
    },
    pidBeforeRelease: () => null,
    async release() {
      server = await start(true);
      return { pid: server.pid };
    },
    failure() {
      if (server && !server.isAlive()) {
        return `petrel exited (${JSON.stringify(server.exitStatus())}): ${tail(logFile, 5)}`;
      }
      return null;
    },
    async settle(deadlineMs) {
      let states = outboundStates(dataDir);
      if (states === null) return { ok: true, detail: 'database not read' };
      while (sum(states, OUTSTANDING) > 0 && Date.now() < deadlineMs) {
        await sleep(100);
        states = outboundStates(dataDir) ?? states;
      }
      const left = sum(states, OUTSTANDING);
      return left === 0
        ? { ok: true, detail: 'no outbound recipient left to deliver' }
        : { ok: false, detail: `${left} outbound recipients not final: ${JSON.stringify(states)}` };
    },
    async finish() {
      await stop();
      const after = outboundStates(dataDir);
      if (!after) return { database: 'not read' };
      const delta = (name) => (after[name] ?? 0) - (before?.[name] ?? 0);
      return {
        delivered: delta('delivered') + delta('relayed'),
        bounced: delta('bounced') + delta('expired'),
        stillQueued: sum(after, OUTSTANDING),
        states: after,
      };
    },
    async teardown() {
      await stop();
    },
    /** Why the drain failed, in terms a reader of the report can act on. */
    explain(error) {
      const states = outboundStates(dataDir);
      return [
        `Petrel did not drain its queue to the sink (${error}).`,
        'Its delivery side (scheduler, smarthost routing, delivery.enabled) may not be complete yet.',
        `outbound recipients by state: ${JSON.stringify(states)}`,
        `--- ${logFile} (tail; --keep keeps the file) ---`,
        tail(logFile, 10),
      ].join('\n');
    },
  };
}

function profileArgs() {
  const dir = process.env.PETREL_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
