// `petrel serve` for the API bench: a temp data dir with the sending domain example.test and a send
// key, delivery disabled (the queue only fills), HTTP and one submission listener on loopback.
// Start-up fails with the log's tail when /readyz does not answer within the timeout.

import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_DIR } from './paths.mjs';
import { tail } from './servers.mjs';
import { HOST, freePort } from './smtp.mjs';

const PETREL_CLI = join(REPO_DIR, 'dist', 'src', 'cli', 'main.js');
export const SENDER_DOMAIN = 'example.test';

function cli(args, dataDir) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PETREL_CLI, ...args, '--data-dir', dataDir], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`petrel ${args.slice(0, 2).join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout.trim());
    });
  });
}

/** Outbound messages in the queue (read-only; safe beside the running server in WAL mode). */
export function queuedMessages(dataDir) {
  const Database = createRequire(join(REPO_DIR, 'package.json'))('better-sqlite3');
  const db = new Database(join(dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT count(*) FROM messages WHERE direction = 'outbound'").pluck().get();
  } finally {
    db.close();
  }
}

/** PETREL_BENCH_CPU_PROF=DIR writes a V8 CPU profile of the Petrel process into DIR. */
function profileArgs() {
  const dir = process.env.PETREL_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Set up and start Petrel; returns { base, key, dataDir, pid, stop() }. */
export async function startPetrelApi({ keep = false, readyTimeoutMs = 30_000 } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), 'petrel-bench-api-'));
  const dataDir = join(workDir, 'data');
  const configFile = join(workDir, 'petrel.yaml');
  const logFile = join(workDir, 'petrel.log');
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  writeFileSync(configFile, [
    '# written by bench/lib/petrel-api.mjs',
    'hostname: bench.test',
    `listeners: [{ name: submission, address: ${HOST}, port: ${smtpPort}, role: submission }]`,
    `http: { address: ${HOST}, port: ${httpPort} }`,
    `dns: { servers: ['${HOST}'], timeoutMs: 1000, attempts: 1 }`,
    'log: { level: warn }',
    'delivery: { enabled: false }',
    '',
  ].join('\n'));
  await cli(['domain', 'add', SENDER_DOMAIN, '--sending', '--no-dkim'], dataDir);
  const key = await cli(['apikey', 'create', 'bench', '--scope', 'send'], dataDir);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...profileArgs(), PETREL_CLI, 'serve', '--data-dir', dataDir, '--config', configFile], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://${HOST}:${httpPort}`;
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`petrel exited ${JSON.stringify(exited)}:\n${tail(logFile)}`);
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`petrel did not become ready in ${readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  return { base, key, dataDir, workDir, logFile, pid: child.pid, stop };
}
