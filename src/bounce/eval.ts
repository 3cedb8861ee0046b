// `npm run eval:bounces [-- --verbose] [--dir DIR]`: scores the report parsers against the labelled
// bounce corpus and prints the figures; --verbose lists every mismatching row. Exits 1 if the corpus is missing.

import { CORPUS_DIR, evaluateCorpus, percent, type CorpusResult } from './report/corpus.js';

function printSummary(r: CorpusResult): void {
  const lines = [
    `files              ${r.files} (${r.unlabelled} unlabelled)`,
    `labelled rows      ${r.rows}`,
    `recipient+status   ${r.statusOk}/${r.rows} = ${percent(r.statusOk, r.rows)}%`,
    `  stated codes     ${r.statedOk}/${r.statedRows} = ${percent(r.statedOk, r.statedRows)}% (rows not labelled x.0.9xx)`,
    `  pseudo codes     ${r.statusOk - r.statedOk}/${r.rows - r.statedRows} = ${percent(r.statusOk - r.statedOk, r.rows - r.statedRows)}% (rows labelled x.0.9xx: no code in the mail)`,
    `reason             ${r.reasonOk}/${r.rows} = ${percent(r.reasonOk, r.rows)}%`,
    `slowest file       ${r.slowest.file} ${r.slowest.ms.toFixed(1)} ms`,
    `max heap growth    ${(r.maxHeapGrowth / 1024 / 1024).toFixed(1)} MiB`,
    `parse errors       ${r.errors.length}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\nreason confusion (expected -> got, mismatches only)\n`);
  const rows = [...r.confusion].sort((a, b) => b[1] - a[1]);
  for (const [pair, n] of rows) process.stdout.write(`  ${String(n).padStart(4)}  ${pair}\n`);
  for (const e of r.errors) process.stdout.write(`error: ${e}\n`);
}

function printMismatches(r: CorpusResult): void {
  process.stdout.write('\nmismatches (file #index: expected status/reply/reason | got address status/reply/reason)\n');
  for (const m of r.mismatches) {
    const want = `${m.expected.status || '-'}/${m.expected.replycode || '-'}/${m.expected.reason}`;
    const got = m.got === null ? '(no recipient)' : `${m.got.address} ${m.got.status || '-'}/${m.got.replyCode || '-'}/${m.got.reason}`;
    process.stdout.write(`  ${m.file} #${m.index}: ${want} | ${got}\n`);
  }
}

const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const dir = dirAt >= 0 ? args[dirAt + 1] ?? CORPUS_DIR : CORPUS_DIR;
try {
  const result = await evaluateCorpus(dir);
  printSummary(result);
  if (args.includes('--verbose')) printMismatches(result);
} catch (err) {
  process.stderr.write(`eval:bounces: cannot read the corpus in ${dir}: ${String(err)}\n`);
  process.exitCode = 1;
}
