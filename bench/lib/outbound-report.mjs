// Tables, Petrel's ratios and the issue's targets for the outbound bench.

import { sizeLabel } from './args.mjs';
import { num, table } from './report.mjs';

/** The issue's targets: Petrel >= 2x Postfix, >= 1.5x nodemailer's pool, >= 500 msgs/s at 100 KiB. */
export const TARGETS = { postfix: 2, nodemailer: 1.5, minRateAt100k: 500 };

export function runsTable(runs) {
  const text = table(
    [
      { title: 'contender', get: (r) => r.label },
      { title: 'messages', get: (r) => `${num(r.delivered)}/${num(r.planned)}`, right: true },
      { title: 'start s', get: (r) => num(r.startS, 2), right: true },
      { title: 'drain s', get: (r) => num(r.drainS, 2), right: true },
      { title: 'msgs/s', get: (r) => num(r.msgsPerS), right: true },
      { title: 'incl. start', get: (r) => num(r.msgsPerSInclStart), right: true },
      { title: 'CPU s', get: (r) => num(r.cpuS, 2), right: true },
      { title: 'CPU ms/msg', get: (r) => num(r.cpuMsPerMsg, 3), right: true },
      { title: 'CPU %', get: (r) => num(r.cpuPct), right: true },
      { title: 'peak RSS MB', get: (r) => num(r.peakRssKb / 1024, 1), right: true },
      { title: 'peak PSS MB', get: (r) => num((r.peakPssKb ?? NaN) / 1024, 1), right: true },
      { title: 'sink CPU %', get: (r) => num(r.sinkCpuPct), right: true },
      { title: 'other CPU %', get: (r) => num(r.otherCpuPct), right: true },
      { title: 'status', get: (r) => (r.ok ? (r.repeats ? `ok (runs: ${r.repeats.join(', ')})` : 'ok') : r.error.split('\n')[0]) },
    ],
    runs,
  );
  return text;
}

/** Petrel / peer per size, and the targets with PASS or MISS. */
export function targetChecks(runs) {
  const out = [];
  const sizes = [...new Set(runs.map((r) => r.size))];
  for (const size of sizes) {
    const petrel = runs.find((r) => r.size === size && r.contender === 'petrel');
    for (const peer of ['postfix', 'nodemailer']) {
      const other = runs.find((r) => r.size === size && r.contender === peer);
      if (!petrel || !other) continue;
      const usable = petrel.ok && other.ok;
      out.push({
        size,
        kind: 'ratio',
        peer,
        peerLabel: other.label,
        throughput: usable ? petrel.msgsPerS / other.msgsPerS : null,
        throughputInclStart: usable ? petrel.msgsPerSInclStart / other.msgsPerSInclStart : null,
        cpuEfficiency: usable && petrel.cpuMsPerMsg && other.cpuMsPerMsg ? other.cpuMsPerMsg / petrel.cpuMsPerMsg : null,
        peakPss: usable && petrel.peakPssKb && other.peakPssKb ? petrel.peakPssKb / other.peakPssKb : null,
        target: TARGETS[peer],
        verdict: usable ? (petrel.msgsPerS / other.msgsPerS >= TARGETS[peer] ? 'PASS' : 'MISS') : 'n/a',
      });
    }
    if (petrel && size >= 100 * 1024) {
      out.push({
        size,
        kind: 'rate',
        rate: petrel.ok ? petrel.msgsPerS : null,
        target: TARGETS.minRateAt100k,
        verdict: petrel.ok ? (petrel.msgsPerS >= TARGETS.minRateAt100k ? 'PASS' : 'MISS') : 'n/a',
      });
    }
  }
  return out;
}

export function targetLines(checks) {
  const lines = [];
  for (const size of [...new Set(checks.map((c) => c.size))]) {
    lines.push(`${sizeLabel(size)}:`);
    for (const c of checks.filter((x) => x.size === size)) {
      if (c.kind === 'ratio') {
        const f = (v) => (v === null ? '-' : `${v.toFixed(2)}x`);
        lines.push(
          `    vs ${c.peerLabel.padEnd(20)} msgs/s ${f(c.throughput).padStart(7)} ${`(target >= ${c.target}x: ${c.verdict})`.padEnd(25)}` +
            `   incl. start ${f(c.throughputInclStart)}   msgs per CPU-s ${f(c.cpuEfficiency)}   peak PSS ${f(c.peakPss)}`,
        );
      } else {
        lines.push(
          `    Petrel rate ${c.rate === null ? '-' : Math.round(c.rate)} msgs/s  (target >= ${c.target} msgs/s: ${c.verdict})`,
        );
      }
    }
  }
  return lines.join('\n');
}
