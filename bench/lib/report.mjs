// Turning run records into the printed tables, Petrel's ratios, and the JSON file.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sizeLabel } from './args.mjs';

const MB = 1024; // kB per MB as reported (MiB, really; the kernel counts in KiB)

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function table(columns, rows) {
  const widths = columns.map((col) => Math.max(col.title.length, ...rows.map((row) => String(col.get(row)).length)));
  const line = (cells) => cells.map((cell, i) => pad(cell, widths[i], columns[i].right)).join('  ');
  const out = [line(columns.map((col) => col.title)), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of rows) out.push(line(columns.map((col) => col.get(row))));
  return out.join('\n');
}

export function cellKey(run) {
  return `${run.size}/${run.sessions}/${run.perConn}`;
}

export function cellLabel(run) {
  return `${sizeLabel(run.size)}, ${run.sessions} sess, ${run.perConn}/conn`;
}

export function throughputTable(runs) {
  const text = table(
    [
      { title: 'server', get: (r) => r.label },
      { title: 'size', get: (r) => sizeLabel(r.size), right: true },
      { title: 'sessions', get: (r) => r.sessions, right: true },
      { title: 'msgs/conn', get: (r) => r.perConn, right: true },
      { title: 'msgs', get: (r) => num(r.delivered), right: true },
      { title: 'msgs/s', get: (r) => num(r.msgsPerS), right: true },
      {
        title: 'excl. restarts',
        get: (r) => (r.restartS ? `${r.restartS > 0.5 * r.elapsedS ? '*' : ''}${num(r.netMsgsPerS)}` : '-'),
        right: true,
      },
      { title: 'CPU s', get: (r) => num(r.cpuS, 2), right: true },
      { title: 'CPU %', get: (r) => num(r.cpuPct), right: true },
      { title: 'peak RSS MB', get: (r) => num(r.peakRssKb / MB, 1), right: true },
      { title: 'client CPU %', get: (r) => num(r.clientCpuPct), right: true },
      { title: 'other CPU %', get: (r) => num(r.otherCpuPct), right: true },
      { title: 'status', get: (r) => (r.ok ? r.partial ?? 'ok' : r.error) },
    ],
    runs,
  );
  const rough = runs.some((r) => r.restartS > 0.5 * r.elapsedS);
  return rough ? `${text}\n* smtp-source restarts took over half the wall time: a rough figure` : text;
}

export function idleTable(idle) {
  return table(
    [
      { title: 'server', get: (r) => r.label },
      { title: 'held', get: (r) => `${r.greeted}/${r.requested}`, right: true },
      { title: 'closed by server', get: (r) => r.closedByServer, right: true },
      { title: 'RSS before MB', get: (r) => num(r.rssBeforeKb / MB, 1), right: true },
      { title: 'RSS idle MB', get: (r) => num(r.rssIdleKb / MB, 1), right: true },
      { title: 'kB/conn', get: (r) => num(r.perConnKb, 1), right: true },
      { title: 'note', get: (r) => r.note ?? '' },
    ],
    idle,
  );
}

/** Petrel's figures divided by each peer's, per cell: throughput, msgs per CPU second, peak RSS. */
export function ratios(runs, petrelName = 'petrel') {
  const byCell = new Map();
  for (const run of runs) {
    const list = byCell.get(cellKey(run)) ?? [];
    list.push(run);
    byCell.set(cellKey(run), list);
  }
  const out = [];
  for (const list of byCell.values()) {
    const petrel = list.find((r) => r.server === petrelName && r.ok);
    if (!petrel) continue;
    for (const peer of list) {
      if (peer.server === petrelName || !peer.ok) continue;
      out.push({
        cell: cellLabel(petrel),
        size: petrel.size,
        sessions: petrel.sessions,
        perConn: petrel.perConn,
        peer: peer.server,
        peerLabel: peer.label,
        // Rates without smtp-source's restarts between rounds (the same as msgs/s for
        // a connection per message): the restarts are the load generator's time.
        throughput: petrel.netMsgsPerS / peer.netMsgsPerS,
        cpuEfficiency: petrel.cpuS > 0 && peer.cpuS > 0 ? petrel.delivered / petrel.cpuS / (peer.delivered / peer.cpuS) : null,
        peakRss: petrel.peakRssKb / peer.peakRssKb,
      });
    }
  }
  return out;
}

export function ratioLines(list) {
  const byCell = new Map();
  for (const r of list) {
    const entries = byCell.get(r.cell) ?? [];
    entries.push(r);
    byCell.set(r.cell, entries);
  }
  const lines = [];
  for (const [cell, entries] of byCell) {
    const fmt = (get) => entries.map((r) => `${r.peerLabel} ${get(r) === null ? '-' : get(r).toFixed(2)}x`).join(', ');
    lines.push(`${cell}:`);
    lines.push(`    msgs/s        ${fmt((r) => r.throughput)}`);
    lines.push(`    msgs/CPU-s    ${fmt((r) => r.cpuEfficiency)}`);
    lines.push(`    peak RSS      ${fmt((r) => r.peakRss)}`);
  }
  return lines.join('\n');
}

export function writeJson(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
}
