// Measuring one drain of the outbound bench: a contender has N messages queued with
// delivery stopped; release() starts delivery and the clock; the drain ends when the
// sink has counted N more messages. Then the contender settles (finishes its own
// bookkeeping: queue files removed, rows marked delivered, callbacks returned) and its
// CPU is read.
//
// Times (hrtime, from the sink's counter as the harness reads it):
//   release -> first message at the sink  = start latency
//   first -> Nth message at the sink      = drain; msgs/s = messages in that window / drain
//   release -> Nth message                = the "incl. start" rate
// CPU: user + system time of the contender's process tree (/proc, with reaped children
// via the parents' cutime/cstime) from just before release to the end of settling, plus
// the CPU of commands the harness ran for it in that window (postsuper, postqueue). A
// contender started by release() (Petrel) is counted from its birth.
// Peak RSS: the larger of the tree's summed VmHWM (reset before release where the tree
// already exists) and the largest 200 ms sample of its summed VmRSS. Summed RSS counts
// shared pages once per process, which inflates a many-process tree like Postfix's;
// peak PSS (summed Pss of smaps_rollup, sampled every second) splits them instead.

import { setTimeout as sleep } from 'node:timers/promises';
import { processTree, resetHwm, treeCpuSeconds, treeHwmKb, treePssKb, treeRssKb } from './proc.mjs';
import { machineBusySeconds, reapedChildrenCpuSeconds, selfCpuSeconds } from './system.mjs';

const toS = (ns) => Number(ns) / 1e9;

/**
 * contender: { pidBeforeRelease?(), release() -> { pid }, failure?() -> string|null,
 *              settle(deadlineMs) -> { ok, detail } }
 * Resolves with a record of figures; never throws for a failed drain (ok: false, error).
 */
export async function measureDrain({ contender, sink, count, timeoutS, stallS, settleS = 30, sampleMs = 200 }) {
  const base = sink.count();
  let first = null;
  let countAtFirst = 0;
  let last = null;
  const unsubscribe = sink.onChange((value, at) => {
    if (first === null) {
      first = at;
      countAtFirst = value - base;
    }
    if (last === null && value - base >= count) last = at;
  });

  const prePid = contender.pidBeforeRelease?.() ?? null;
  let pids = prePid ? processTree(prePid) : [];
  const hwmReset = prePid ? resetHwm(pids) : true; // a process born later starts with a fresh VmHWM
  const cpu0 = prePid ? treeCpuSeconds(pids) : 0;
  const sinkCpu0 = treeCpuSeconds([sink.pid]);
  const busy0 = machineBusySeconds();
  const self0 = selfCpuSeconds();
  const reaped0 = reapedChildrenCpuSeconds();
  const t0 = process.hrtime.bigint();

  let rootPid = prePid;
  let peakKb = prePid ? treeRssKb(pids) : 0;
  let peakPssKb = prePid ? treePssKb(pids) : 0;
  let samples = 0;
  const sample = () => {
    if (!rootPid) return;
    pids = processTree(rootPid);
    peakKb = Math.max(peakKb, treeRssKb(pids));
    // smaps_rollup walks the page tables: read it at a fifth of the rate.
    if (samples++ % 5 === 0) peakPssKb = Math.max(peakPssKb, treePssKb(pids));
  };
  const timer = setInterval(sample, sampleMs);

  let error = null;
  let settled = { ok: false, detail: 'not reached' };
  try {
    try {
      const released = await contender.release();
      rootPid = released.pid;
      sample();
    } catch (err) {
      error = `release failed: ${err.message}`;
    }
    // Wait for the sink to count N, bounded by the total timeout and by a stall timeout
    // (no new message for stallS seconds).
    const deadline = Date.now() + timeoutS * 1000;
    while (error === null && last === null) {
      if (Date.now() > deadline) {
        error = `drain not complete after ${timeoutS} s`;
        break;
      }
      const quietS = toS(process.hrtime.bigint() - (first === null ? t0 : sink.lastAt()));
      if (quietS > stallS) {
        error = first === null ? `nothing reached the sink in ${stallS} s` : `no message reached the sink for ${stallS} s`;
        break;
      }
      const failure = contender.failure?.();
      if (failure) {
        error = failure;
        break;
      }
      await sleep(20);
    }
    if (error === null) {
      try {
        settled = await contender.settle(Date.now() + settleS * 1000);
      } catch (err) {
        settled = { ok: false, detail: err.message };
      }
    }
  } finally {
    clearInterval(timer);
    unsubscribe();
  }
  const tEnd = process.hrtime.bigint();
  if (rootPid) {
    samples = 0;
    sample();
  }
  const cpuS = (rootPid ? treeCpuSeconds(pids) : 0) - cpu0;
  const helperCpuS = reapedChildrenCpuSeconds() - reaped0;
  const harnessCpuS = selfCpuSeconds() - self0;
  const sinkCpuS = treeCpuSeconds([sink.pid]) - sinkCpu0;
  const hwmKb = rootPid && hwmReset ? treeHwmKb(pids) : 0;
  const windowS = toS(tEnd - t0);
  const contenderCpuS = cpuS + helperCpuS;
  const otherCpuS = Math.max(0, machineBusySeconds() - busy0 - contenderCpuS - sinkCpuS - harnessCpuS);
  const delivered = sink.count() - base;

  const startS = first === null ? null : toS(first - t0);
  const drainS = first !== null && last !== null ? toS(last - first) : null;
  const totalS = last !== null ? toS(last - t0) : null;
  const inWindow = count - countAtFirst;
  return {
    delivered,
    startS,
    drainS,
    totalS,
    // Messages that arrived after the first observed one, over the time they took.
    msgsPerS: drainS ? inWindow / drainS : null,
    msgsPerSInclStart: totalS ? count / totalS : null,
    windowS,
    cpuS: contenderCpuS,
    helperCpuS,
    cpuMsPerMsg: delivered > 0 ? (contenderCpuS * 1000) / Math.min(delivered, count) : null,
    cpuPct: (contenderCpuS / windowS) * 100,
    peakRssKb: Math.max(peakKb, hwmKb),
    sampledPeakRssKb: peakKb,
    peakPssKb,
    hwmSumKb: hwmKb,
    processes: pids.length,
    sinkCpuPct: (sinkCpuS / windowS) * 100,
    harnessCpuPct: (harnessCpuS / windowS) * 100,
    otherCpuPct: (otherCpuS / windowS) * 100,
    settled,
    error,
  };
}
