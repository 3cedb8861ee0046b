// The bulk-sender checklist (Gmail/Yahoo 2024, Microsoft 2025 rules) summarised from the other areas'
// findings and the delivery config. Pure; an area that could not be checked shows as `unknown`.
import type { HealthContext } from './context.js';
import { finding, info, pass, worst, type Area, type Finding } from './report.js';

/** The checklist findings, given every other area's findings. */
export function bulkSenderChecklist(ctx: HealthContext, areas: Partial<Record<Area, Finding[]>>): Finding[] {
  const dmarc = areas.dmarc ?? [];
  const dmarcRecord = dmarc.find((f) => f.check === 'record');
  const aligned = dmarc.filter((f) => f.check === 'adkim' || f.check === 'aspf');
  return [
    summary('spf', areas.spf, 'SPF passes for the sending IPs', 'fix the SPF findings above'),
    summary('dkim', areas.dkim, 'mail is DKIM-signed with a published key', 'fix the DKIM findings above'),
    summary('dmarc', dmarcFindings(dmarc, dmarcRecord, aligned), 'DMARC published (p=none or stricter) with valid alignment modes', 'publish a DMARC record (p=none at least)'),
    summary('ptr/fcrdns', areas.ptr, 'sending IPs have forward-confirmed reverse DNS', 'fix the PTR findings above'),
    ctx.tlsMode === 'none'
      ? finding('tls', 'fail', 'delivery.tls.mode is none: mail goes out unencrypted', 'set delivery.tls.mode to opportunistic or stricter')
      : pass('tls', `outgoing mail uses STARTTLS when offered (delivery.tls.mode ${ctx.tlsMode})`),
    info('one-click unsubscribe', 'per message: Petrel signs List-Unsubscribe and List-Unsubscribe-Post when present'),
  ];
}

/** The DMARC findings the checklist judges by; a lookup that failed stays unknown, never a fail. */
function dmarcFindings(all: Finding[], record: Finding | undefined, aligned: Finding[]): Finding[] {
  if (record && aligned.length > 0) return [record, ...aligned];
  if (all.some((f) => f.status === 'unknown')) return all.filter((f) => f.status === 'unknown');
  return [finding('record', 'fail', '')];
}

function summary(check: string, findings: Finding[] | undefined, ok: string, fix: string): Finding {
  const status = worst(findings ?? [finding(check, 'unknown', '')]);
  if (status === 'pass') return pass(check, ok);
  const word = { fail: 'failing', warn: 'has warnings', unknown: 'could not be checked' }[status as 'fail' | 'warn' | 'unknown'];
  return finding(check, status, `${check.toUpperCase()} ${word}`, fix);
}
