// SPF health: one valid v=spf1 record, within the 10-lookup and 2-void-lookup limits (counted through
// includes and redirects), a sane `all`, and every sending IP passing. DNS trouble gives `unknown`.
import { createRequire } from 'node:module';
import type { Resolver } from '../../dns/types.js';
import { mailauthResolver, type MailauthResolver } from '../mailauth-resolver.js';
import type { HealthContext } from './context.js';
import { describeDns, looked, withPrefix } from './lookup.js';
import { finding, pass, type Finding } from './report.js';
import { allTerm, LOOKUP_MECHANISMS, parseSpf, redirectOf, splitCidr, type SpfRecord } from './spf-record.js';

const MAX_LOOKUPS = 10;
const MAX_VOIDS = 2;
const MAX_DEPTH = 10;

type SpfVerify = (opts: { sender: string; ip: string; helo: string; mta: string; resolver: MailauthResolver }) => Promise<{ status: { result: string; comment?: string | false } }>;
// mailauth ships no type declarations; this is the one function we use from it.
const { spf: mailauthSpf } = createRequire(import.meta.url)('mailauth/lib/spf/index.js') as { spf: SpfVerify };

/** The SPF record of `domain`: a parsed record, null when none is published, or why it is unusable. */
async function fetchSpf(resolver: Resolver, domain: string): Promise<SpfRecord | null | { problem: string; dns?: boolean }> {
  const txt = await looked(resolver.txt(domain));
  if (!Array.isArray(txt)) return { problem: describeDns(txt), dns: true };
  const records = withPrefix(txt, 'v=spf1');
  if (records.length === 0) return null;
  if (records.length > 1) return { problem: `${records.length} v=spf1 records at ${domain} (permerror)` };
  const parsed = parseSpf(records[0]!);
  return typeof parsed === 'string' ? { problem: `${domain}: ${parsed}` } : parsed;
}

/** The SPF findings for `domain`. */
export async function checkSpf(ctx: HealthContext, domain: string): Promise<Finding[]> {
  const record = await fetchSpf(ctx.resolver, domain);
  if (record === null) return [finding('record', 'fail', `no v=spf1 TXT record at ${domain}`, `publish "v=spf1 ip4:<sending IP> ~all" at ${domain} (see petrel domain records)`)];
  if ('problem' in record) {
    const fix = record.dns ? 'check the domain\'s DNS servers answer' : 'publish exactly one valid v=spf1 record';
    return [finding('record', record.dns ? 'unknown' : 'fail', record.problem, fix)];
  }
  const tally = { lookups: 0, voids: 0, problems: [] as string[], unknown: [] as string[] };
  await walk(ctx.resolver, domain, record, tally, 0, new Set([domain]));
  return [pass('record', 'one valid v=spf1 record'), ...limitFindings(tally), allFinding(record), ...(await ipFindings(ctx, domain))];
}

interface Tally {
  lookups: number;
  voids: number;
  problems: string[];
  unknown: string[];
}

/** Count lookup terms and void lookups through includes and redirect, as an evaluator would. */
async function walk(resolver: Resolver, domain: string, record: SpfRecord, tally: Tally, depth: number, seen: Set<string>): Promise<void> {
  if (depth > MAX_DEPTH || tally.lookups > MAX_LOOKUPS * 2) return;
  const redirect = allTerm(record) ? undefined : redirectOf(record); // redirect is ignored when `all` is present
  for (const term of record.terms) {
    if (term.kind === 'mechanism' && LOOKUP_MECHANISMS.has(term.name)) {
      tally.lookups++;
      if (term.name === 'include') await follow(resolver, term.value!, tally, depth, seen, 'include');
      else if (term.name === 'a' || term.name === 'mx') await countVoid(resolver, term.name, term.value, domain, tally);
    }
  }
  if (redirect !== undefined) {
    tally.lookups++;
    await follow(resolver, redirect, tally, depth, seen, 'redirect');
  }
}

async function follow(resolver: Resolver, target: string, tally: Tally, depth: number, seen: Set<string>, how: string): Promise<void> {
  if (target.includes('%')) return; // a macro: depends on the message, cannot be followed here
  const name = target.toLowerCase().replace(/\.$/, '');
  if (seen.has(name)) return void tally.problems.push(`${how} loop through ${name}`);
  const record = await fetchSpf(resolver, name);
  if (record === null) {
    tally.voids++;
    return void tally.problems.push(`${how}:${name} has no SPF record (permerror)`);
  }
  if ('problem' in record) return void (record.dns ? tally.unknown : tally.problems).push(record.problem);
  await walk(resolver, name, record, tally, depth + 1, new Set([...seen, name]));
}

/** An a or mx term whose name has no such records is a void lookup (RFC 7208 §4.6.4). */
async function countVoid(resolver: Resolver, kind: 'a' | 'mx', value: string | undefined, domain: string, tally: Tally): Promise<void> {
  const name = value === undefined ? domain : splitCidr(value)[0] || domain;
  if (name.includes('%')) return;
  const answers = kind === 'mx' ? [await looked(resolver.mx(name))] : await Promise.all([looked(resolver.a(name)), looked(resolver.aaaa(name))]);
  if (answers.every((a) => Array.isArray(a) && a.length === 0)) tally.voids++;
}

function limitFindings(tally: Tally): Finding[] {
  const out: Finding[] = [];
  const fixLookups = 'flatten includes into ip4:/ip6: terms or drop unused ones';
  if (tally.lookups > MAX_LOOKUPS) out.push(finding('lookups', 'fail', `${tally.lookups} DNS-querying terms (limit ${MAX_LOOKUPS}): permerror`, fixLookups));
  else out.push(pass('lookups', `${tally.lookups} DNS-querying terms (limit ${MAX_LOOKUPS})`));
  if (tally.voids > MAX_VOIDS) out.push(finding('void-lookups', 'fail', `${tally.voids} void lookups (limit ${MAX_VOIDS}): permerror`, 'remove terms naming domains without records'));
  else out.push(pass('void-lookups', `${tally.voids} void lookups (limit ${MAX_VOIDS})`));
  for (const p of tally.problems) out.push(finding('includes', 'fail', p, 'fix or remove the include/redirect'));
  for (const u of tally.unknown) out.push(finding('includes', 'unknown', u, 'retry; the included domain\'s DNS did not answer'));
  return out;
}

function allFinding(record: SpfRecord): Finding {
  const all = allTerm(record);
  if (!all) {
    return redirectOf(record) !== undefined
      ? pass('all', 'no "all"; policy comes from redirect')
      : finding('all', 'warn', 'no "all" term: unmatched senders get neutral', 'end the record with -all (or ~all)');
  }
  const verdicts = { '-': 'pass', '~': 'pass', '?': 'warn', '+': 'fail' } as const;
  const fix = all.qualifier === '+' ? 'replace +all with -all: +all lets anyone send as you' : all.qualifier === '?' ? 'use -all or ~all' : '';
  return finding('all', verdicts[all.qualifier], `${all.qualifier}all`, fix);
}

/** Evaluate the record for each sending IP with mailauth's SPF verifier. */
async function ipFindings(ctx: HealthContext, domain: string): Promise<Finding[]> {
  if (ctx.sources.length === 0) {
    return [finding('sending-ips', 'warn', 'sending IPs unknown (delivery.sources is empty)', 'list the sending addresses in delivery.sources so they can be checked')];
  }
  const resolver = mailauthResolver(ctx.resolver);
  return Promise.all(ctx.sources.map(async ({ address, helo }) => {
    const r = await mailauthSpf({ sender: `postmaster@${domain}`, ip: address, helo, mta: ctx.helo, resolver });
    const result = r.status.result;
    const check = `ip ${address}`;
    if (result === 'pass') return pass(check, `${address} passes SPF`);
    if (result === 'temperror') return finding(check, 'unknown', `${address}: SPF temperror`, 'retry; DNS did not answer');
    return finding(check, 'fail', `${address} gets SPF ${result}`, `add ip${address.includes(':') ? 6 : 4}:${address} to the SPF record`);
  }));
}
