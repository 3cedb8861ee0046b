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

/** The issue's target for sending identities: the identity path adds under 10 % to the CPU per message. */
export const POOL_TARGET = 0.1;

/** CPU ms per message of a contender's runs: the median over its repeats (every good one), else its own. */
function cpuPerMessage(run) {
  const values = (run.cpuRepeats ?? [run.cpuMsPerMsg]).filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (values.length === 0) return null;
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

const side = (run, cpuMsPerMsg) => ({
  label: run.label, msgsPerS: run.msgsPerS, cpuMsPerMsg, cpuRepeats: run.cpuRepeats ?? null, sinkSessions: run.sinkSessions ?? null, ok: run.ok,
});

/** Per size: the pool case against the plain Petrel, overhead = (pool - baseline) / baseline CPU per message. */
export function poolChecks(runs) {
  const out = [];
  for (const size of [...new Set(runs.map((r) => r.size))]) {
    const base = runs.find((r) => r.size === size && r.contender === 'petrel');
    const pool = runs.find((r) => r.size === size && r.contender === 'petrel-pool');
    if (!base || !pool) continue;
    const usable = base.ok && pool.ok;
    const baseCpu = usable ? cpuPerMessage(base) : null;
    const poolCpu = usable ? cpuPerMessage(pool) : null;
    const overhead = baseCpu && poolCpu ? (poolCpu - baseCpu) / baseCpu : null;
    // The runs alternate (petrel, pool, petrel, pool ...), so round i of each ran minutes apart at most.
    const rounds = (base.cpuRepeats ?? []).map((b, i) => {
      const p = pool.cpuRepeats?.[i];
      return typeof b === 'number' && typeof p === 'number' ? (p - b) / b : null;
    });
    out.push({
      size,
      baseline: side(base, baseCpu),
      pool: side(pool, poolCpu),
      throughput: usable ? pool.msgsPerS / base.msgsPerS : null,
      overhead,
      overheadByRound: rounds.length > 1 ? rounds : null,
      target: POOL_TARGET,
      verdict: overhead === null ? 'n/a' : overhead < POOL_TARGET ? 'PASS' : 'MISS',
      identityAttempts: pool.verify?.identityAttempts ?? null,
      sinkSenders: pool.verify?.sinkSenders ?? null,
    });
  }
  return out;
}

export function poolLines(checks) {
  const lines = [];
  const line = (s) => {
    const runs = s.cpuRepeats ? `  (runs: ${s.cpuRepeats.map((v) => num(v, 3)).join(', ')})` : '';
    const conns = s.sinkSessions === null ? '' : `  ${num(s.sinkSessions)} connections`;
    return `    ${s.label.padEnd(30)} ${num(s.msgsPerS).padStart(6)} msgs/s  ${num(s.cpuMsPerMsg, 3)} CPU ms/msg${runs}${conns}${s.ok ? '' : '  FAILED'}`;
  };
  for (const c of checks) {
    lines.push(`${sizeLabel(c.size)}:`, line(c.baseline), line(c.pool));
    const percent = (v) => (v === null ? '-' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`);
    const pct = percent(c.overhead);
    const ratio = c.throughput === null ? '-' : `${c.throughput.toFixed(2)}x`;
    lines.push(`    identity path: ${pct} CPU per message (target < ${c.target * 100} %: ${c.verdict})   msgs/s pool / baseline ${ratio}`);
    if (c.overheadByRound) lines.push(`    round by round (each pool run against the Petrel run just before it): ${c.overheadByRound.map(percent).join(', ')}`);
    const a = c.identityAttempts;
    const s = c.sinkSenders;
    if (a && s) {
      lines.push(
        `    checks (median run): ${num(a.withIdentity)}/${num(a.attempts)} attempts with an identity (${a.identities} identities, ` +
          `${num(a.viaIdentity)} by route identity); sink: ${num(s.fromIdentities)}/${num(s.messages)} MAIL FROM an identity ` +
          `(${s.distinct} addresses, ${s.perIdentityMin}-${s.perIdentityMax} each)`,
      );
    }
  }
  return lines.join('\n');
}
