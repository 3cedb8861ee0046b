// Findings of `petrel domain check` and their rendering as a grouped table or JSON.
// Pure: no I/O; a report with any `fail` finding is what makes the command exit 1.
import { formatTable } from '../../cli/io.js';

/** unknown: we could not tell (a DNS error, a refused blocklist query); shown, never counted as pass. */
export type Status = 'pass' | 'warn' | 'fail' | 'unknown' | 'info';

/** The area a finding belongs to; the table groups by it in this order. */
export const AREAS = ['spf', 'dkim', 'dmarc', 'mx', 'ptr', 'mta-sts', 'blocklists', 'checklist'] as const;
export type Area = (typeof AREAS)[number];

/** One line of the report: what was checked, how it went, and (when not passing) how to fix it. */
export interface Finding {
  check: string;
  status: Status;
  message: string;
  fix: string;
}

export interface AreaFinding extends Finding {
  area: Area;
}

export interface DomainReport {
  domain: string;
  findings: AreaFinding[];
}

/** A finding; `fix` defaults to "" (nothing to do). */
export function finding(check: string, status: Status, message: string, fix = ''): Finding {
  return { check, status, message: oneLine(message), fix: oneLine(fix) };
}

export const pass = (check: string, message: string): Finding => finding(check, 'pass', message);
export const info = (check: string, message: string): Finding => finding(check, 'info', message);

/** True when any finding fails: the command then exits 1. */
export function hasFailure(reports: readonly DomainReport[]): boolean {
  return reports.some((r) => r.findings.some((f) => f.status === 'fail'));
}

/** The worst status among `findings` (fail > unknown > warn > pass; info is ignored). */
export function worst(findings: readonly Finding[]): Status {
  const order: Status[] = ['fail', 'unknown', 'warn', 'pass'];
  return order.find((s) => findings.some((f) => f.status === s)) ?? 'pass';
}

/** The table for one domain: its findings grouped by area, one row each. */
export function renderReport(report: DomainReport): string {
  const rows = [...report.findings]
    .sort((a, b) => AREAS.indexOf(a.area) - AREAS.indexOf(b.area))
    .map((f) => [f.area, f.check, f.status.toUpperCase(), f.message, f.fix]);
  const counts = (['fail', 'warn', 'unknown'] as const).map((s) => `${report.findings.filter((f) => f.status === s).length} ${s}`);
  return `${report.domain}: ${counts.join(', ')}\n` + formatTable(['AREA', 'CHECK', 'STATUS', 'MESSAGE', 'FIX'], rows);
}

/** The JSON document of `--json`: one entry per domain and the overall verdict. */
export function renderJson(reports: readonly DomainReport[]): string {
  return JSON.stringify({ ok: !hasFailure(reports), domains: reports }, null, 2) + '\n';
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
