// Blocklist health: each sending IP against DNS IP blocklists and the domain against domain lists.
// A 127.0.0.x answer is a listing (fail); NXDOMAIN is clean (pass); errors and "refused" codes are `unknown`.
import { reverseName } from '../../dns/names.js';
import type { HealthContext } from './context.js';
import { describeDns, looked } from './lookup.js';
import { finding, pass, type Finding } from './report.js';

/** How a blocklist answered one query. */
export type ListAnswer = { kind: 'listed'; codes: string[] } | { kind: 'clean' } | { kind: 'unknown'; why: string };

/** The blocklist findings: every source IP on every IP list, the domain on every domain list. */
export async function checkBlocklists(ctx: HealthContext, domain: string): Promise<Finding[]> {
  const ipQueries = ctx.sources.flatMap((s) => ctx.blocklists.ip.map((list) => ({ subject: s.address, list, name: `${ipLabels(s.address)}.${list}` })));
  const domainQueries = ctx.blocklists.domain.map((list) => ({ subject: domain, list, name: `${domain}.${list}` }));
  const found = await Promise.all([...ipQueries, ...domainQueries].map(async (q) => toFinding(q.subject, q.list, await queryList(ctx, q.name, q.list))));
  if (ctx.sources.length === 0) found.unshift(finding('ip lists', 'warn', 'sending IPs unknown (delivery.sources is empty): IP lists not checked', 'list the sending addresses in delivery.sources'));
  return found;
}

/** The query labels for an IP: reversed octets (IPv4) or reversed nibbles (IPv6). */
export function ipLabels(address: string): string {
  return reverseName(address).replace(/\.(in-addr|ip6)\.arpa$/, '');
}

/** Ask `list` about `name` (an A lookup) and classify the answer. */
export async function queryList(ctx: HealthContext, name: string, list: string): Promise<ListAnswer> {
  const answer = await looked(ctx.resolver.a(name));
  if (!Array.isArray(answer)) return { kind: 'unknown', why: describeDns(answer) };
  if (answer.length === 0) return { kind: 'clean' };
  return classify(answer, list);
}

/**
 * Listing codes are 127.0.0.0/8. Spamhaus answers 127.255.255.x when it refuses the query (public
 * resolver, over quota) and URIBL answers 127.0.0.1 for the same; anything else is not a listing we know.
 */
export function classify(addresses: string[], list: string): ListAnswer {
  const uribl = /(^|\.)uribl\.com$/i.test(list);
  const refused = addresses.find((a) => a.startsWith('127.255.255.') || (uribl && a === '127.0.0.1') || !a.startsWith('127.'));
  if (refused !== undefined) return { kind: 'unknown', why: `${list} answered ${refused}: query refused (use your own resolver, not a public one)` };
  return { kind: 'listed', codes: addresses };
}

function toFinding(subject: string, list: string, answer: ListAnswer): Finding {
  const check = `${subject} @ ${list}`;
  if (answer.kind === 'clean') return pass(check, `not listed on ${list}`);
  if (answer.kind === 'unknown') return finding(check, 'unknown', answer.why, `query ${list} through a resolver it accepts`);
  return finding(check, 'fail', `${subject} is listed on ${list} (${answer.codes.join(', ')})`, `find the cause, then request delisting at ${list}`);
}
