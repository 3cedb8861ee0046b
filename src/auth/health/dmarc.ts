// DMARC health: one valid v=DMARC1 record at _dmarc.<domain>, its policy, alignment modes and rua.
// Unreadable DNS gives `unknown`; absence or an invalid record gives `fail`.
import type { HealthContext } from './context.js';
import { describeDns, looked, withPrefix } from './lookup.js';
import { finding, pass, type Finding } from './report.js';
import { parseTags } from './tags.js';

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** The DMARC findings for `domain`. */
export async function checkDmarc(ctx: HealthContext, domain: string): Promise<Finding[]> {
  const name = `_dmarc.${domain}`;
  const publish = `publish TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}" at ${name}`;
  const txt = await looked(ctx.resolver.txt(name));
  if (!Array.isArray(txt)) return [finding('record', 'unknown', describeDns(txt), 'retry; DNS did not answer')];
  const records = withPrefix(txt, 'v=DMARC1');
  if (records.length === 0) return [finding('record', 'fail', `no v=DMARC1 TXT record at ${name}`, publish)];
  if (records.length > 1) return [finding('record', 'fail', `${records.length} DMARC records at ${name}`, 'keep exactly one')];
  const tags = parseTags(records[0]!);
  const p = tags?.get('p')?.toLowerCase();
  if (!tags || tags.get('v') !== 'DMARC1' || p === undefined || !POLICIES.has(p)) {
    return [finding('record', 'fail', `invalid DMARC record at ${name}`, 'v=DMARC1 must come first and p= must be none, quarantine or reject')];
  }
  return [pass('record', 'one valid v=DMARC1 record'), policyFinding(p, tags), ...alignmentFindings(tags), ruaFinding(tags, domain)];
}

function policyFinding(p: string, tags: Map<string, string>): Finding {
  if (p === 'none') return finding('policy', 'warn', 'p=none: failing mail is still delivered', 'move to quarantine/reject once reports are clean');
  const pct = Number(tags.get('pct') ?? '100');
  if (pct < 100) return finding('policy', 'warn', `p=${p} applied to ${pct}% of failing mail`, 'raise pct to 100 once reports are clean');
  return pass('policy', `p=${p}`);
}

function alignmentFindings(tags: Map<string, string>): Finding[] {
  return (['adkim', 'aspf'] as const).map((tag) => {
    const mode = (tags.get(tag) ?? 'r').toLowerCase();
    if (mode !== 'r' && mode !== 's') return finding(tag, 'fail', `${tag}=${mode} is not r or s`, `set ${tag}=r (relaxed) or s (strict)`);
    return pass(tag, `${tag}=${mode} (${mode === 's' ? 'strict' : 'relaxed'} alignment)`);
  });
}

function ruaFinding(tags: Map<string, string>, domain: string): Finding {
  const rua = tags.get('rua');
  if (!rua) return finding('rua', 'warn', 'no rua: you get no aggregate reports', `add rua=mailto:dmarc-reports@${domain}`);
  if (!rua.split(',').every((uri) => /^mailto:[^@\s]+@[^@\s]+$/i.test(uri.trim().replace(/!\d+[kmgt]?$/i, '')))) {
    return finding('rua', 'fail', `rua=${rua} is not a list of mailto: URIs`, `use rua=mailto:dmarc-reports@${domain}`);
  }
  return pass('rua', `reports go to ${rua}`);
}
