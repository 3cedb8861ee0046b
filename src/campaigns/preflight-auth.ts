// Preflight's `auth:<domain>`: the `domain check` of each sending domain judged for a campaign. SPF,
// DKIM and DMARC must pass (a DNS failure is never a pass); PTR and IP lists matter only for mta
// identities (a relay's IPs are its provider's). checkDomain errors propagate to the caller's guard.
import { worst, type AreaFinding, type DomainReport, type Status } from '../auth/health/report.js';
import type { Identity } from '../identities/types.js';
import { item, worstOf, type CheckStatus, type PreflightItem } from './preflight-types.js';

type Judged = 'spf' | 'dkim' | 'dmarc' | 'ptr' | 'blocklists' | 'mx';

/** How an area's worst status counts for the campaign; `mtaOnly` areas are skipped for relay-only domains. */
const POLICY: Record<Judged, { label: string; fail: CheckStatus; unknown: CheckStatus; mtaOnly: boolean }> = {
  spf: { label: 'SPF', fail: 'fail', unknown: 'fail', mtaOnly: false },
  dkim: { label: 'DKIM', fail: 'fail', unknown: 'fail', mtaOnly: false },
  dmarc: { label: 'DMARC', fail: 'fail', unknown: 'fail', mtaOnly: false },
  ptr: { label: 'PTR', fail: 'fail', unknown: 'warn', mtaOnly: true },
  // A listed sending domain blocks the start like a listed link domain; IP findings count for mta only.
  blocklists: { label: 'blocklists', fail: 'fail', unknown: 'warn', mtaOnly: false },
  // Without MX, replies (the point of cold outreach) cannot arrive, but mail still goes out.
  mx: { label: 'MX', fail: 'warn', unknown: 'warn', mtaOnly: false },
};

/** The distinct sending domains of `identities`, each with whether any of its identities sends by MX. */
export function sendingDomains(identities: readonly Identity[]): Map<string, { mta: boolean }> {
  const domains = new Map<string, { mta: boolean }>();
  for (const i of identities) domains.set(i.domain, { mta: (domains.get(i.domain)?.mta ?? false) || i.via === 'mta' });
  return domains;
}

/** The `auth:<domain>` item for one domain's report. */
export function authItem(report: DomainReport, mta: boolean): PreflightItem {
  const judged = (Object.keys(POLICY) as Judged[]).map((area) => judge(report, area, mta));
  const fixes = [...new Set(judged.flatMap((j) => j.fixes))];
  const areas = Object.fromEntries(judged.map((j) => [j.area, j.shown]));
  const problems = report.findings.filter((f) => f.status !== 'pass' && f.status !== 'info' && f.area in POLICY);
  const message = judged.map((j) => j.text).filter((t) => t !== '').join('; ');
  return item(`auth:${report.domain}`, worstOf(judged.map((j) => j.status)), message, fixes.length > 0 ? fixes.join('; ') : undefined, { areas, problems });
}

interface Judgement {
  area: Judged;
  status: CheckStatus;
  /** The area's worst finding status as `domain check` shows it; skipped (relay) or none (no findings). */
  shown: Status | 'skipped' | 'none';
  text: string;
  fixes: string[];
}

/** One area's verdict for the campaign, its summary (the worst finding) and its fixes. */
function judge(report: DomainReport, area: Judged, mta: boolean): Judgement {
  const policy = POLICY[area];
  if (policy.mtaOnly && !mta) return { area, status: 'pass', shown: 'skipped', text: `${policy.label} n/a (relay: the provider's)`, fixes: [] };
  const findings = relevant(report, area, mta);
  if (findings.length === 0) {
    const required = policy.unknown === 'fail';
    return { area, status: required ? 'fail' : 'pass', shown: 'none', text: required ? `${policy.label} not checked` : '', fixes: [] };
  }
  const shown = worst(findings);
  const status: CheckStatus = shown === 'fail' ? policy.fail : shown === 'unknown' ? policy.unknown : shown === 'warn' ? 'warn' : 'pass';
  const bad = findings.find((f) => f.status === shown);
  const text = shown === 'pass' || !bad ? `${policy.label} ${shown}` : `${policy.label} ${shown}: ${bad.message}`;
  const fixes = findings.filter((f) => f.status !== 'pass' && f.status !== 'info' && f.fix !== '').map((f) => f.fix);
  return { area, status, shown, text, fixes };
}

/** The area's findings that concern this domain's identities: IP blocklist findings only for mta. */
function relevant(report: DomainReport, area: Judged, mta: boolean): AreaFinding[] {
  const findings = report.findings.filter((f) => f.area === area);
  if (area !== 'blocklists' || mta) return findings;
  return findings.filter((f) => f.check.startsWith(`${report.domain} @ `));
}
