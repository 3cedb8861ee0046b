// MTA-STS and TLS-RPT health: the _mta-sts TXT record, the policy served at mta-sts.<domain> (valid,
// its mode, covering our MX hosts) and the _smtp._tls TXT record. DNS trouble gives `unknown`.
import { httpsPolicyFetcher } from '../../delivery/mta-sts-fetch.js';
import { mxMatchesPolicy, parsePolicy, pickStsRecord, type MtaStsPolicy } from '../../delivery/mta-sts-policy.js';
import type { HealthContext } from './context.js';
import { describeDns, looked, withPrefix } from './lookup.js';
import { finding, pass, type Finding } from './report.js';
import { parseTags } from './tags.js';

/** The MTA-STS and TLS-RPT findings for `domain`. */
export async function checkMtaSts(ctx: HealthContext, domain: string): Promise<Finding[]> {
  const [sts, rpt] = await Promise.all([stsFindings(ctx, domain), tlsRptFinding(ctx, domain)]);
  return [...sts, rpt];
}

async function stsFindings(ctx: HealthContext, domain: string): Promise<Finding[]> {
  const name = `_mta-sts.${domain}`;
  const txt = await looked(ctx.resolver.txt(name));
  if (!Array.isArray(txt)) return [finding('record', 'unknown', describeDns(txt), 'retry; DNS did not answer')];
  if (withPrefix(txt, 'v=STSv1').length === 0) {
    return [finding('record', 'warn', `no MTA-STS record at ${name}: senders may deliver to you without TLS`, `serve a policy at https://mta-sts.${domain}/.well-known/mta-sts.txt and publish "v=STSv1; id=<date>" at ${name}`)];
  }
  const record = pickStsRecord(txt);
  if (!record) return [finding('record', 'fail', `invalid or duplicate v=STSv1 record at ${name}`, `publish exactly one "v=STSv1; id=<1-32 letters/digits>" at ${name}`)];
  const policy = await fetchPolicy(ctx, domain);
  if (policy instanceof Error) return [pass('record', `id=${record.id}`), finding('policy', 'fail', policy.message, `serve a valid policy at https://mta-sts.${domain}/.well-known/mta-sts.txt`)];
  return [pass('record', `id=${record.id}`), pass('policy', `valid policy, max_age ${policy.maxAge}`), modeFinding(policy), await coverage(ctx, domain, policy)];
}

async function fetchPolicy(ctx: HealthContext, domain: string): Promise<MtaStsPolicy | Error> {
  const fetch = httpsPolicyFetcher({ resolver: ctx.resolver, ...ctx.mtaSts });
  try {
    const parsed = parsePolicy(await fetch(domain));
    return parsed instanceof Error ? new Error(`policy invalid: ${parsed.message}`) : parsed;
  } catch (err) {
    return new Error(`policy fetch failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function modeFinding(policy: MtaStsPolicy): Finding {
  if (policy.mode === 'enforce') return pass('mode', 'mode: enforce');
  const next = policy.mode === 'testing' ? 'switch to mode: enforce once TLS-RPT reports are clean' : 'use mode: testing, then enforce';
  return finding('mode', 'warn', `mode: ${policy.mode}: not enforced`, next);
}

/** In enforce mode an MX the policy does not list gets no mail, so check every MX is covered. */
async function coverage(ctx: HealthContext, domain: string, policy: MtaStsPolicy): Promise<Finding> {
  const mx = await looked(ctx.resolver.mx(domain));
  if (!Array.isArray(mx)) return finding('mx coverage', 'unknown', describeDns(mx), 'retry; DNS did not answer');
  const hosts = mx.map((r) => r.exchange).filter((h) => h !== '' && h !== '.');
  const missing = hosts.filter((h) => !mxMatchesPolicy(h, policy.mx));
  if (policy.mode === 'none' || missing.length === 0) return pass('mx coverage', 'policy lists every MX host');
  return finding('mx coverage', 'fail', `policy mx patterns do not cover ${missing.join(', ')}`, `add "mx: ${missing[0]}" to the policy and change its id`);
}

async function tlsRptFinding(ctx: HealthContext, domain: string): Promise<Finding> {
  const name = `_smtp._tls.${domain}`;
  const txt = await looked(ctx.resolver.txt(name));
  if (!Array.isArray(txt)) return finding('tls-rpt', 'unknown', describeDns(txt), 'retry; DNS did not answer');
  const records = withPrefix(txt, 'v=TLSRPTv1');
  const add = `publish "v=TLSRPTv1; rua=mailto:tls-reports@${domain}" at ${name}`;
  if (records.length === 0) return finding('tls-rpt', 'warn', `no TLS-RPT record at ${name}: you get no TLS failure reports`, add);
  const rua = records.length === 1 ? parseTags(records[0]!)?.get('rua') : undefined;
  if (!rua || !/^(mailto:|https:)/i.test(rua)) return finding('tls-rpt', 'fail', `invalid TLS-RPT record at ${name}`, add);
  return pass('tls-rpt', `reports go to ${rua}`);
}
