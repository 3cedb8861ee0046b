// Petrel for the campaign bench (bench/campaign.mjs): one template data directory set up with the CLI
// (the sending domain bench.test without DKIM, N relay identities to the bench's smtp-sink, each with
// its own relay account, a pool of them, an API key), copied for every run so each run starts a fresh
// `petrel serve` on the same setup; the config the runs share; read-only queries of the database.
//
// Failures: a CLI command that exits non-zero, or a `petrel serve` that is not ready (GET /readyz)
// within the timeout, throws with the command's stderr or the log's tail.

import { execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openReadonly } from './petrel-outbound.mjs';
import { REPO_DIR } from './paths.mjs';
import { tail } from './servers.mjs';
import { HOST, freePort } from './smtp.mjs';

const PETREL_CLI = join(REPO_DIR, 'dist', 'src', 'cli', 'main.js');
export const SENDER_DOMAIN = 'bench.test';
export const POOL_NAME = 'bench-pool';
const RELAY_PASSWORD = 'relay-password-not-secret';

/**
 * `petrel ARGS --data-dir DIR [--config FILE]`; resolves with { stdout, seconds }. Commands that look
 * up DNS (the campaign preflight) need the bench's config: without it they ask /etc/resolv.conf's
 * servers, which the network namespace cannot reach.
 */
export function cli(args, dataDir, { input = '', timeoutMs = 300_000, config = null } = {}) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [PETREL_CLI, ...args, '--data-dir', dataDir, ...(config ? ['--config', config] : [])], { timeout: timeoutMs, maxBuffer: 1 << 28 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`petrel ${args.slice(0, 2).join(' ')} failed: ${(stderr || stdout || err.message).trim()}`));
      else resolve({ stdout, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
    child.stdin.end(input);
  });
}

const identityNames = (n) => Array.from({ length: n }, (_, k) => `pool${String(k).padStart(2, '0')}`);

/** Set up the template data directory; returns { dataDir, key, identities: [address] }. */
export async function setupTemplate({ dir, sinkPort, identities }) {
  const dataDir = join(dir, 'template');
  mkdirSync(dataDir, { recursive: true });
  await cli(['domain', 'add', SENDER_DOMAIN, '--sending', '--no-dkim'], dataDir);
  const names = identityNames(identities);
  const addresses = names.map((name) => `${name}@${SENDER_DOMAIN}`);
  // Sequential: every CLI run opens the database; 50 in parallel would only contend for its lock.
  for (const [k, name] of names.entries()) {
    await cli(['identity', 'add', name, '--from', addresses[k], '--via', 'relay', '--relay-host', HOST, '--relay-port', String(sinkPort),
      '--relay-tls', 'none', '--relay-password-stdin', '--min-gap-seconds', '0'], dataDir, { input: `${RELAY_PASSWORD}\n` });
  }
  await cli(['pool', 'add', POOL_NAME, ...names.flatMap((name) => ['--identity', name])], dataDir);
  const key = (await cli(['apikey', 'create', 'bench', '--scope', 'send'], dataDir)).stdout.trim();
  return { dataDir, key, addresses: new Set(addresses) };
}

/** A fresh copy of the template for one run. */
export function copyTemplate(template, to) {
  cpSync(template.dataDir, to, { recursive: true });
  return to;
}

/** The YAML every run uses: delivery on, relay identities' caps and gaps out of the way, the engine's tick and batch. */
export function benchConfig({ httpPort, smtpPort, connections, tickMs, batch }) {
  return [
    '# written by bench/lib/campaign-petrel.mjs',
    'hostname: bench.test',
    `listeners: [{ name: submission, address: ${HOST}, port: ${smtpPort}, role: submission }]`,
    `http: { address: ${HOST}, port: ${httpPort} }`,
    `dns: { servers: ['${HOST}'], timeoutMs: 1000, attempts: 1 }`,
    'log: { level: warn }',
    // One connection per identity (each is its own relay account), `connections` in all: the pool case of the outbound bench.
    `delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false }, concurrency: { perDestination: 1, global: ${connections} } }`,
    'sending: { jitter: 0 }',
    `campaigns: { tickMs: ${tickMs}, batch: ${batch} }`,
    '',
  ].join('\n');
}

/** Start `petrel serve` on dataDir; resolves when /readyz answers. Returns { pid, base, stop(), logFile }. */
export async function startServe({ dataDir, workDir, config, readyTimeoutMs = 60_000 }) {
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  const configFile = join(workDir, 'petrel.yaml');
  const logFile = join(workDir, 'petrel.log');
  writeFileSync(configFile, benchConfig({ ...config, httpPort, smtpPort }));
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...profileArgs(), PETREL_CLI, 'serve', '--data-dir', dataDir, '--config', configFile], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) child.kill('SIGKILL');
  };
  const base = `http://${HOST}:${httpPort}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`petrel serve exited ${JSON.stringify(exited)}:\n${tail(logFile)}`);
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`petrel serve not ready in ${readyTimeoutMs} ms:\n${tail(logFile)}`);
    }
    await sleep(100);
  }
  return { pid: child.pid, base, logFile, configFile, stop, failure: () => (exited ? `petrel serve exited ${JSON.stringify(exited)}: ${tail(logFile, 5)}` : null) };
}

/** PETREL_BENCH_CPU_PROF=DIR writes a V8 CPU profile of every `petrel serve` into DIR. */
function profileArgs() {
  const dir = process.env.PETREL_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Outbound recipients not in a final state (queued, deferred, throttled, active, held). */
export function outstanding(dataDir) {
  const db = openReadonly(dataDir);
  try {
    return db.prepare("SELECT count(*) FROM recipients WHERE state IN ('queued', 'deferred', 'throttled', 'active', 'held')").pluck().get();
  } finally {
    db.close();
  }
}

/** Outbound recipients by state, and identity.throttled events. */
export function deliveryFigures(dataDir) {
  const db = openReadonly(dataDir);
  try {
    const states = Object.fromEntries(db.prepare("SELECT state, count(*) AS n FROM recipients GROUP BY state").all().map((r) => [r.state, r.n]));
    const throttledEvents = db.prepare("SELECT count(*) FROM events WHERE type = 'identity.throttled'").pluck().get();
    const identities = db.prepare('SELECT count(DISTINCT identity) FROM attempts').pluck().get();
    return { states, throttledEvents, identities };
  } finally {
    db.close();
  }
}
