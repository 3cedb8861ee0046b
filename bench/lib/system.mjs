// Machine-level pieces: whole-machine CPU counters, the harness's own children's CPU,
// installing the peer servers, and re-running the bench inside a private network
// namespace whose only interface is loopback.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_DIR } from './paths.mjs';

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Busy CPU seconds of the whole machine so far (all cores, idle and iowait excluded). */
export function machineBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // Fields: user nice system idle iowait irq softirq steal; idle and iowait are not busy.
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / TICKS;
}

/** CPU seconds of the harness's reaped children (smtp-source and the shell around it). */
export function reapedChildrenCpuSeconds() {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS;
}

/** CPU seconds of the harness process itself. */
export function selfCpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export function machineInfo() {
  let kernel;
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = undefined;
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    kernel,
    loadavg: loadavg(),
  };
}

const PEER_PACKAGES = ['Haraka', 'smtp-server'];

/** Install bench/package.json's devDependencies into bench/node_modules if any of `packages` is missing. */
export function ensureBenchDependencies(needed, packages = PEER_PACKAGES) {
  if (!needed) return;
  const missing = packages.filter((name) => !existsSync(join(BENCH_DIR, 'node_modules', name, 'package.json')));
  if (missing.length === 0) return;
  console.log(`installing bench peers (${missing.join(', ')} missing): npm --prefix bench install`);
  // Haraka's optional plugins (geoip, redis-backed ones, ...) are not needed: the bench
  // loads one plugin of its own.
  const result = spawnSync(
    'npm',
    ['--prefix', BENCH_DIR, 'install', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: REPO_DIR, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('npm --prefix bench install failed');
}

function canUseNetns() {
  if (process.platform !== 'linux') return false;
  if (!existsSync('/usr/bin/unshare') && !existsSync('/bin/unshare')) return false;
  const probe = spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * Run this same script again inside `unshare --net`, where the only network is a
 * fresh loopback: nothing a server under test does can reach past 127.0.0.1.
 * Resolves with the child's exit code, or null when namespaces are unavailable.
 */
export function rerunInNetns(scriptPath, argv) {
  if (!canUseNetns()) return Promise.resolve(null);
  const inner = 'ip link set lo up && exec "$@"';
  const child = spawn(
    'unshare',
    ['--net', '--', 'sh', '-c', inner, 'sh', process.execPath, scriptPath, ...argv, '--in-netns'],
    { stdio: 'inherit' },
  );
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Logs the run's title and the machine it runs on, with a warning when the machine is already busy;
 * returns machineInfo() for the result file.
 */
export function announceRun(log, title, inNetns) {
  const machine = machineInfo();
  log(title);
  log(
    `machine: ${machine.cpus} CPU (${machine.cpuModel}), node ${machine.node}, kernel ${machine.kernel}, ` +
      `load ${machine.loadavg.map((v) => v.toFixed(2)).join(' ')}, ` +
      `network: ${inNetns ? 'private namespace, loopback only' : 'host, 127.0.0.1 only'}`,
  );
  if (machine.loadavg[0] > 0.5 * machine.cpus) {
    log('warning: the machine is already busy; figures will be noisy (see "other CPU %")');
  }
  return machine;
}
