// MX health: MX records present, each naming a host (not an IP literal, not a CNAME) that has an
// address; a null MX (RFC 7505) fails for a domain we receive mail for. DNS trouble gives `unknown`.
import { isIP } from 'node:net';
import type { MxRecord } from '../../dns/types.js';
import type { HealthContext } from './context.js';
import { describeDns, looked } from './lookup.js';
import { finding, pass, type Finding } from './report.js';

/** The MX findings for `domain`; `receives` is true when Petrel accepts mail for it (domains.local). */
export async function checkMx(ctx: HealthContext, domain: string, receives: boolean): Promise<Finding[]> {
  const mx = await looked(ctx.resolver.mx(domain));
  if (!Array.isArray(mx)) return [finding('records', 'unknown', describeDns(mx), 'retry; DNS did not answer')];
  const missing = receives ? 'fail' : 'warn';
  if (mx.length === 0) return [finding('records', missing, `no MX records for ${domain}`, `publish "MX 10 <your mail host>" for ${domain}`)];
  if (mx.some((r) => r.exchange === '' || r.exchange === '.')) {
    const why = receives ? 'null MX: this domain accepts no mail, but Petrel receives mail for it' : 'null MX: replies and bounces to this domain are refused';
    return [finding('null-mx', missing, why, `replace "MX 0 ." with "MX 10 <your mail host>"`)];
  }
  const hosts = await Promise.all(mx.map((r) => checkHost(ctx, r)));
  return [pass('records', `${mx.length} MX record${mx.length === 1 ? '' : 's'}`), ...hosts.flat()];
}

async function checkHost(ctx: HealthContext, record: MxRecord): Promise<Finding[]> {
  const host = record.exchange;
  const check = `mx ${host}`;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return [finding(check, 'fail', `MX ${host} is an IP literal`, 'point the MX at a host name with A/AAAA records')];
  const target = ctx.cname ? await ctx.cname(host) : null;
  if (target !== null) return [finding(check, 'fail', `MX ${host} is a CNAME to ${target}`, `point the MX at ${target} directly`)];
  const [a, aaaa] = await Promise.all([looked(ctx.resolver.a(host)), looked(ctx.resolver.aaaa(host))]);
  if (!Array.isArray(a) && !Array.isArray(aaaa)) return [finding(check, 'unknown', describeDns(a), 'retry; DNS did not answer')];
  const addresses = [...(Array.isArray(a) ? a : []), ...(Array.isArray(aaaa) ? aaaa : [])];
  if (addresses.length === 0) return [finding(check, 'fail', `MX ${host} has no A or AAAA record`, `add an A record for ${host}`)];
  return [pass(check, `${host} (preference ${record.preference}) → ${addresses.join(', ')}`)];
}
