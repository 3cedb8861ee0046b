// A placement test as the CLI, the API and the dashboard show it: per-seed results and a summary
// (how many seeds saw it in the inbox, in spam, not at all). Pure.
import type { PlacementTest, SeedResult } from './store.js';

export interface PlacementSummary {
  total: number;
  inbox: number;
  spam: number;
  missing: number;
  pending: number;
}

export interface PlacementReport {
  id: string;
  identity: string;
  /** The seed pool. */
  seeds: string;
  subject: string;
  state: PlacementTest['state'];
  startedAt: number;
  finishedAt: number | null;
  summary: PlacementSummary;
  results: SeedResult[];
}

/** Counts of each result. */
export function summarize(results: ReadonlyArray<Pick<SeedResult, 'result'>>): PlacementSummary {
  const s: PlacementSummary = { total: results.length, inbox: 0, spam: 0, missing: 0, pending: 0 };
  for (const r of results) s[r.result]++;
  return s;
}

export function reportOf(test: PlacementTest, results: readonly SeedResult[]): PlacementReport {
  return { ...test, summary: summarize(results), results: results.map((r) => ({ ...r })) };
}

/** One line: "2 of 3 in the inbox, 1 in spam, 0 missing". */
export function summaryLine(s: PlacementSummary): string {
  const pending = s.pending > 0 ? `, ${s.pending} pending` : '';
  return `${s.inbox} of ${s.total} in the inbox, ${s.spam} in spam, ${s.missing} missing${pending}`;
}

/** The rows of the CLI table: seed, address, result, folder, spf, dkim, dmarc. */
export function resultRows(results: readonly SeedResult[]): string[][] {
  const or = (v: string | null) => v ?? '-';
  return results.map((r) => [r.seed, r.address, r.result, or(r.folder), or(r.spf), or(r.dkim), or(r.dmarc)]);
}
