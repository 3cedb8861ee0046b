// The servers under test: how to tell whether each is available, start it on a
// loopback port, and stop it. Every server listens on 127.0.0.1 only.

import { spawn, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOST, waitForGreeting } from './smtp.mjs';
import { BENCH_DIR, REPO_DIR } from './paths.mjs';

const execFileP = promisify(execFile);

export const SMTP_SINK = '/usr/sbin/smtp-sink';
const PETREL_CLI = join(REPO_DIR, 'dist', 'src', 'cli', 'main.js');
const HARAKA_DIR = join(BENCH_DIR, 'node_modules', 'Haraka');
const HARAKA_BIN = join(HARAKA_DIR, 'bin', 'haraka');
const SMTP_SERVER_PKG = join(BENCH_DIR, 'node_modules', 'smtp-server', 'package.json');
const SMTP_SERVER_SINK = join(BENCH_DIR, 'peers', 'smtp-server-sink.mjs');
const HARAKA_TEMPLATE = join(BENCH_DIR, 'peers', 'haraka');

/**
 * Start `command args` in its own process group with output going to `logFile`,
 * wait for a 220 greeting on `port`, and return a handle.
 */
export async function launch({ name, command, args, port, logFile, cwd, readyTimeoutMs = 60_000 }) {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const handle = {
    name,
    pid: child.pid,
    port,
    logFile,
    isAlive: () => exited === null,
    exitStatus: () => exited,
    async stop() {
      if (exited) return;
      signalGroup(child.pid, 'SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) {
        signalGroup(child.pid, 'SIGKILL');
        for (let i = 0; i < 20 && !exited; i++) await sleep(100);
      }
    },
  };
  try {
    handle.greeting = (await waitForGreeting(port, { timeoutMs: readyTimeoutMs, isAlive: handle.isAlive })).line;
  } catch (err) {
    await handle.stop();
    throw new Error(`${name} did not start: ${err.message}\n--- ${logFile} (tail) ---\n${tail(logFile)}`);
  }
  return handle;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

export function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function packageVersion(pkgJson) {
  try {
    return JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  } catch {
    return undefined;
  }
}

async function addBenchDomain(dataDir, workDir) {
  try {
    await execFileP(
      process.execPath,
      [PETREL_CLI, 'domain', 'add', 'bench.test', '--local', '--catch-all', '--data-dir', dataDir],
      { cwd: workDir, timeout: 60_000 },
    );
  } catch (err) {
    throw new Error(`petrel domain add failed: ${(err.stderr || err.message).trim()}`);
  }
}

/** Petrel, durable: SQLite + fsync before 250, as `petrel serve` runs it. */
const petrel = {
  name: 'petrel',
  label: 'Petrel',
  unavailable: () => (existsSync(PETREL_CLI) ? null : `${PETREL_CLI} missing (run npm run build)`),
  version: () => packageVersion(join(REPO_DIR, 'package.json')),
  async start({ port, workDir, logFile }) {
    const dataDir = join(workDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const config = join(workDir, 'petrel.yaml');
    writeFileSync(
      config,
      [
        'hostname: bench.test',
        `listeners: [{ name: mx, address: ${HOST}, port: ${port}, role: mx }]`,
        'limits: { maxConnections: 5000, maxConnectionsPerIp: 5000 }',
        // The peers do no SPF/DKIM/DMARC; neither does Petrel here, so the figures compare SMTP
        // and storage (inside the namespace there is no resolver to ask anyway).
        'inbound: { checks: false }',
        'log: { level: warn }',
        '',
      ].join('\n'),
    );
    // A restart (the bench restarts servers after the idle test) reuses the data.
    const marker = join(workDir, '.domain-added');
    if (!existsSync(marker)) {
      await addBenchDomain(dataDir, workDir);
      writeFileSync(marker, '');
    }
    const handle = await launch({
      name: 'petrel',
      command: process.execPath,
      args: [PETREL_CLI, 'serve', '--data-dir', dataDir, '--config', config],
      port,
      logFile,
      cwd: workDir,
    });
    handle.dataDir = dataDir;
    return handle;
  },
};

/**
 * How many messages Petrel's database holds, read after the server stopped, to check
 * that every 250 the bench counted is in the store. Reads the schema's `messages`
 * table with the project's own better-sqlite3; undefined when that is not possible.
 */
export function petrelStoredMessages(dataDir) {
  try {
    const require = createRequire(join(REPO_DIR, 'package.json'));
    const Database = require('better-sqlite3');
    const db = new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) AS n FROM messages').get().n;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** postfix's smtp-sink: a C, single-process, accept-and-drop SMTP server. */
const smtpSink = {
  name: 'smtp-sink',
  label: 'smtp-sink',
  unavailable: () => (existsSync(SMTP_SINK) ? null : `${SMTP_SINK} missing (apt-get install postfix)`),
  version: () => undefined,
  start({ port, workDir, logFile }) {
    // -u: it refuses to run as root without dropping privileges.
    // -m: concurrency cap, well above the 1,000 idle connections of the idle test.
    // 511: the listen backlog Node servers get by default.
    const args = ['-h', 'bench.test', '-m', '5000', `${HOST}:${port}`, '511'];
    if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
    return launch({ name: 'smtp-sink', command: SMTP_SINK, args, port, logFile, cwd: workDir });
  },
};

/** Nodemailer's smtp-server with an onData that drains and accepts (bench/peers). */
const smtpServer = {
  name: 'smtp-server',
  label: 'smtp-server',
  unavailable: () => (existsSync(SMTP_SERVER_PKG) ? null : 'bench/node_modules/smtp-server missing'),
  version: () => packageVersion(SMTP_SERVER_PKG),
  start({ port, workDir, logFile }) {
    return launch({
      name: 'smtp-server',
      command: process.execPath,
      args: [SMTP_SERVER_SINK, String(port)],
      port,
      logFile,
      cwd: workDir,
    });
  },
};

/** Haraka with N cluster workers and a plugin that accepts every recipient and discards. */
function haraka(nodes) {
  return {
    name: 'haraka',
    label: `Haraka(${nodes}w)`,
    unavailable: () => (existsSync(HARAKA_BIN) ? null : 'bench/node_modules/Haraka missing'),
    version: () => packageVersion(join(HARAKA_DIR, 'package.json')),
    start({ port, workDir, logFile }) {
      const dir = join(workDir, 'haraka');
      // Haraka's shipped defaults first (it needs connection.ini and friends in the
      // config dir), then the bench's own files over them.
      cpSync(join(HARAKA_DIR, 'config'), join(dir, 'config'), { recursive: true });
      cpSync(HARAKA_TEMPLATE, dir, { recursive: true });
      writeFileSync(
        join(dir, 'config', 'smtp.ini'),
        [
          '; written by bench/lib/servers.mjs',
          `listen=${HOST}:${port}`,
          `nodes=${nodes}`,
          'force_shutdown_timeout=3',
          '',
        ].join('\n'),
      );
      return launch({
        name: 'haraka',
        command: process.execPath,
        args: [HARAKA_BIN, '-c', dir],
        port,
        logFile,
        cwd: dir,
      });
    },
  };
}

/** All servers, Petrel first; `options.harakaNodes` sets Haraka's worker count. */
export function allServers({ harakaNodes = 2 } = {}) {
  return [petrel, smtpSink, smtpServer, haraka(harakaNodes)];
}
