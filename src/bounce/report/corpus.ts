// Scores parseReport against the labelled bounce corpus (sisimai's set-of-emails, labels in
// expected.json): recipient+status agreement, reason agreement, a confusion list, time and heap.
// Used by `npm run eval:bounces` and the corpus test. Throws only if the corpus cannot be read.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport } from './index.js';
import type { ParsedReport } from '../report-types.js';

/** Where the corpus lives: ../shared/testdata/bounces beside the repo (this file is in dist/src/bounce/report). */
export const CORPUS_DIR = new URL('../../../../../shared/testdata/bounces/', import.meta.url).pathname;

const PSEUDO_STATUS = /^[45]\.0\.9\d\d$/;

interface Label {
  status: string;
  replycode: string;
  reason: string;
}

export interface Mismatch {
  file: string;
  index: number;
  expected: Label;
  got: { address: string; status: string; replyCode: string; reason: string } | null;
}

export interface CorpusResult {
  files: number;
  unlabelled: number;
  rows: number;
  statusOk: number;
  reasonOk: number;
  /** Rows labelled with a code the mail itself states, not sisimai's pseudo-status x.0.9xx for a reason. */
  statedRows: number;
  statedOk: number;
  confusion: Map<string, number>; // "expected -> got" for reason mismatches
  mismatches: Mismatch[];
  slowest: { file: string; ms: number };
  maxHeapGrowth: number; // bytes
  errors: string[]; // files whose parse threw (parseReport promises never to)
}

export async function evaluateCorpus(dir = CORPUS_DIR): Promise<CorpusResult> {
  const labels = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { recipients: Record<string, Label> }>;
  const files = readdirSync(join(dir, 'given')).filter((f) => f.endsWith('.eml')).sort();
  const result: CorpusResult = {
    files: files.length, unlabelled: 0, rows: 0, statusOk: 0, reasonOk: 0, statedRows: 0, statedOk: 0, confusion: new Map(), mismatches: [],
    slowest: { file: '', ms: 0 }, maxHeapGrowth: 0, errors: [],
  };
  for (const file of files) {
    const parsed = await timed(result, file, readFileSync(join(dir, 'given', file)));
    const expected = labels[file]?.recipients;
    if (expected === undefined) result.unlabelled++;
    else if (parsed !== null) score(result, file, expected, parsed);
  }
  return result;
}

async function timed(result: CorpusResult, file: string, raw: Buffer): Promise<ParsedReport | null> {
  const heap = process.memoryUsage().heapUsed;
  const start = performance.now();
  try {
    return await parseReport(raw);
  } catch (err) {
    result.errors.push(`${file}: ${String(err)}`);
    return null;
  } finally {
    const ms = performance.now() - start;
    if (ms > result.slowest.ms) result.slowest = { file, ms };
    result.maxHeapGrowth = Math.max(result.maxHeapGrowth, process.memoryUsage().heapUsed - heap);
  }
}

function score(result: CorpusResult, file: string, expected: Record<string, Label>, parsed: ParsedReport): void {
  for (const [key, label] of Object.entries(expected)) {
    const index = Number(key);
    const r = parsed.recipients[index - 1];
    const got = r === undefined ? null : { address: r.address, status: r.status, replyCode: r.replyCode, reason: r.reason };
    result.rows++;
    const statusOk = got !== null && got.status === label.status;
    const reasonOk = got !== null && got.reason === label.reason;
    if (statusOk) result.statusOk++;
    if (!PSEUDO_STATUS.test(label.status)) {
      result.statedRows++;
      if (statusOk) result.statedOk++;
    }
    if (reasonOk) result.reasonOk++;
    else {
      const pair = `${label.reason} -> ${got?.reason ?? '(none)'}`;
      result.confusion.set(pair, (result.confusion.get(pair) ?? 0) + 1);
    }
    if (!statusOk || !reasonOk) result.mismatches.push({ file, index, expected: label, got });
  }
}

/** A percentage with one decimal. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '0.0' : ((100 * part) / whole).toFixed(1);
}
