// Reading CPU time and memory of a server's process tree from /proc (Linux only).
//
// A "tree" is the root PID plus every live descendant (Haraka's cluster workers,
// for instance). CPU figures are clock ticks turned into seconds; memory figures
// are kilobytes as the kernel reports them in /proc/PID/status.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf missing: 100 is the value on every mainstream Linux build.
}

/** Parse /proc/PID/stat; the command name may hold spaces and parentheses. */
function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5); field N is fields[N - 3].
  return {
    ppid: Number(fields[1]),
    utime: Number(fields[11]),
    stime: Number(fields[12]),
    cutime: Number(fields[13]),
    cstime: Number(fields[14]),
  };
}

/** The root and all its live descendants, found by scanning every /proc/PID/stat. */
export function processTree(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const tree = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop();
    tree.push(pid);
    for (const child of children.get(pid) ?? []) pending.push(child);
  }
  return tree;
}

/**
 * CPU seconds used so far by the tree: user + system time of each live process plus
 * the time of children it has already reaped, so a worker that exits mid-run is not lost.
 */
export function treeCpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) ticks += stat.utime + stat.stime + stat.cutime + stat.cstime;
  }
  return ticks / ticksPerSecond;
}

function statusKb(pid, field) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Current resident set size of the tree, summed, in kB. */
export function treeRssKb(pids) {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0);
}

/** Sum over the tree of each process's high-water mark (VmHWM), in kB. */
export function treeHwmKb(pids) {
  return pids.reduce((sum, pid) => sum + statusKb(pid, 'VmHWM'), 0);
}

/**
 * Reset each process's VmHWM to its current RSS (writing 5 to clear_refs, Linux >= 4.0).
 * Returns false when the kernel refused for any process; callers then rely on sampling.
 */
export function resetHwm(pids) {
  let ok = true;
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      ok = false;
    }
  }
  return ok;
}

/**
 * Measure a tree while `work` runs: CPU seconds used, elapsed seconds, peak RSS.
 * RSS is sampled every `sampleMs`; the peak reported is the larger of the sampled
 * maximum and the summed VmHWM (which also catches spikes between samples).
 */
export async function measureTree(rootPid, work, { sampleMs = 200 } = {}) {
  let pids = processTree(rootPid);
  const hwmReset = resetHwm(pids);
  const cpuStart = treeCpuSeconds(pids);
  let sampledPeakKb = treeRssKb(pids);
  const timer = setInterval(() => {
    pids = processTree(rootPid);
    sampledPeakKb = Math.max(sampledPeakKb, treeRssKb(pids));
  }, sampleMs);
  const started = process.hrtime.bigint();
  let result;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  pids = processTree(rootPid);
  const cpuS = treeCpuSeconds(pids) - cpuStart;
  const endRssKb = treeRssKb(pids);
  sampledPeakKb = Math.max(sampledPeakKb, endRssKb);
  const hwmKb = hwmReset ? treeHwmKb(pids) : 0;
  return {
    result,
    elapsedS,
    cpuS,
    peakRssKb: Math.max(sampledPeakKb, hwmKb),
    sampledPeakRssKb: sampledPeakKb,
    hwmSumKb: hwmKb,
    endRssKb,
    processes: pids.length,
  };
}

/**
 * Proportional set size of the tree, summed, in kB (/proc/PID/smaps_rollup, Linux >= 4.14):
 * pages shared between processes (libraries, a pre-fork parent's memory) are split
 * between them rather than counted once per process as VmRSS does. 0 when unreadable.
 */
export function treePssKb(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) sum += Number(match[1]);
    } catch {
      // process gone, or an older kernel
    }
  }
  return sum;
}
