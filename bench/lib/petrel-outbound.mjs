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
//
// A variant (lib/petrel-pool.mjs) changes the name, the concurrency line (and adds config),
// what setup adds, the MAIL FROM of each message, and adds its own checks after the drain.

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
// 'throttled': identity mail waiting for its caps (src/pacing); the pool case must leave none.
const OUTSTANDING = ['queued', 'deferred', 'throttled', 'active', 'held'];
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
 * Recipients by state, read with the project's better-sqlite3 (read-only; Petrel's database is in
 * WAL mode, so this is safe while it runs); null when the database cannot be read. Every count is
 * an index lookup, so polling stays cheap with a million waiting rows; deferred recipients due
 * more than a week ahead (the --deferred prefill) are left out. Inbound recipients are 'stored'.
 */
export function outboundStates(dataDir) {
  try {
    const db = openReadonly(dataDir);
    try {
      const count = db.prepare('SELECT count(*) FROM recipients WHERE state = ?').pluck();
      const deferred = db.prepare("SELECT count(*) FROM recipients WHERE state = 'deferred' AND next_attempt_at < ?").pluck();
      const weekAhead = Date.now() + 7 * 86_400_000;
      const entries = [...OUTSTANDING, ...FINAL].map((state) => [state, state === 'deferred' ? deferred.get(weekAhead) : count.get(state)]);
      return Object.fromEntries(entries.filter(([, n]) => n > 0));
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/** Petrel's database through the project's better-sqlite3, read-only (safe while Petrel runs: WAL). */
export function openReadonly(dataDir) {
  const require = createRequire(join(REPO_DIR, 'package.json'));
  const Database = require('better-sqlite3');
  return new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
}

const sum = (states, names) => names.reduce((n, name) => n + (states?.[name] ?? 0), 0);

/**
 * Fill the queue with `n` outbound messages whose one recipient is deferred for 30 days (small
 * bodies; what matters is the rows the scheduler must not look at). Returns how long it took.
 */
function prefillDeferred(dataDir, n) {
  const require = createRequire(join(REPO_DIR, 'package.json'));
  const Database = require('better-sqlite3');
  const db = new Database(join(dataDir, 'petrel.db'));
  const started = Date.now();
  try {
    db.pragma('journal_mode = WAL');
    const now = Date.now();
    const later = now + 30 * 86_400_000;
    const envelope = JSON.stringify({ sender: SENDER, recipients: [{ address: 'waiting@deferred.bench.test' }], body: '7BIT', smtputf8: false, authUser: SENDER, client: { address: '127.0.0.1', port: 0, helo: 'bench' }, tls: null, role: 'submission', listener: 'bench', receivedAt: now });
    const body = Buffer.from('Subject: waiting\r\n\r\nwaiting for its destination\r\n');
    const message = db.prepare(`INSERT INTO messages (id, direction, state, received_at, sender, size, envelope, body) VALUES (?, 'outbound', 'queued', ?, ?, ?, ?, ?)`);
    const recipient = db.prepare(`INSERT INTO recipients (message_id, idx, address, domain, state, next_attempt_at, attempts) VALUES (?, 0, 'waiting@deferred.bench.test', 'deferred.bench.test', 'deferred', ?, 1)`);
    const batch = db.transaction((from, to) => {
      for (let i = from; i < to; i++) {
        const id = `0DEFERRED${String(i).padStart(17, '0')}`;
        message.run(id, now, SENDER, body.length, envelope, body);
        recipient.run(id, later + (i % 86_400) * 1000);
      }
    });
    for (let i = 0; i < n; i += 50_000) batch(i, Math.min(n, i + 50_000));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return (Date.now() - started) / 1000;
}

/**
 * variant (optional): { name, label, concurrency (YAML flow map), config (more top-level YAML lines), setup({ cli, sinkPort }),
 * senderOf(i), beforeRelease({ dataDir, sink }), verify({ dataDir, sink, count }) -> fields
 * merged into finish()'s result; a `problem` there fails the run }.
 */
export function petrelContender({ connections, deferred = 0, dkim = 'none', readyTimeoutS = 60, variant = null }) {
  let workDir;
  let dataDir;
  let configFile;
  let logFile;
  let port;
  let sinkPort;
  let server = null;
  let before = null;
  let queuedNow = 0;
  const outstanding = (states) => sum(states, OUTSTANDING);

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
        `  concurrency: ${variant?.concurrency ?? `{ perDestination: ${connections} }`}`,
        ...(variant?.config ?? []),
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
    name: variant?.name ?? 'petrel',
    label: variant?.label ?? 'Petrel',
    settings: variant?.settings,
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
      // DKIM: none unless asked (--dkim rsa|both), so the delivery figures compare like with like.
      const keys = dkim === 'none' ? ['--no-dkim'] : dkim === 'both' ? ['--ed25519'] : [];
      await cli(['domain', 'add', SENDER_DOMAIN, '--sending', ...keys], { dataDir, cwd: workDir });
      await cli(['user', 'add', SENDER, '--password-stdin', '--allow-from', `*@${SENDER_DOMAIN}`], {
        dataDir,
        cwd: workDir,
        input: `${PASSWORD}\n`,
      });
      if (variant) {
        const run = (args, input) => cli(args, { dataDir, cwd: workDir, input });
        await variant.setup({ cli: run, sinkPort });
      }
      if (deferred > 0) {
        const seconds = prefillDeferred(dataDir, deferred);
        console.log(`  Petrel: queue prefilled with ${deferred.toLocaleString('en-US')} deferred messages in ${seconds.toFixed(1)} s`);
      }
    },
    async queue({ messages, count, feedTimeoutS, sink }) {
      await stop();
      const beforeFeed = outboundStates(dataDir);
      server = await start(false);
      let fed;
      try {
        fed = await feed({
          port,
          count,
          connections,
          parts: variant ? (i) => messages.parts(i, variant.senderOf(i)) : (i) => messages.parts(i),
          from: variant ? variant.senderOf : SENDER,
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
      queuedNow = outstanding(before);
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
      variant?.beforeRelease({ dataDir, sink });
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
      while (outstanding(states) > 0 && Date.now() < deadlineMs) {
        await sleep(100);
        states = outboundStates(dataDir) ?? states;
      }
      const left = outstanding(states);
      return left === 0
        ? { ok: true, detail: 'no outbound recipient left to deliver' }
        : { ok: false, detail: `${left} outbound recipients not final: ${JSON.stringify(states)}` };
    },
    async finish({ sink } = {}) {
      await stop();
      const after = outboundStates(dataDir);
      if (!after) return { database: 'not read' };
      const delta = (name) => (after[name] ?? 0) - (before?.[name] ?? 0);
      const result = {
        delivered: delta('delivered') + delta('relayed'),
        bounced: delta('bounced') + delta('expired'),
        stillQueued: outstanding(after),
        states: after,
      };
      return variant ? { ...result, ...(await variant.verify({ dataDir, sink, count: queuedNow })) } : result;
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
