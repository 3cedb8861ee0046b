// Preflight's `links`: the http(s) links of every text and html, their registrable domains looked up
// on the domain blocklists (listed: fail, lookup failed: warn), URL shorteners and IP links warned.
// Lookup errors become `unknown` for that domain; nothing here throws for hostile content.
import { isIP } from 'node:net';
import { organizationalDomain } from '../auth/org-domain.js';
import { queryList } from '../auth/health/blocklists.js';
import type { HealthContext } from '../auth/health/context.js';
import type { Campaign } from './definition.js';
import { item, plural, type ListedDomain, type PreflightItem } from './preflight-types.js';

/** Public URL shorteners: mailbox providers distrust them (they hide the destination, spammers use them). */
export const URL_SHORTENERS: readonly string[] = ['bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly'];

const ABSOLUTE = /\bhttps?:\/\/[^\s"'<>()[\]{}\\^`|]+/gi;
const PROTOCOL_RELATIVE = /\bhref\s*=\s*["']?(\/\/[^\s"'<>]+)/gi;

/** The http(s) URLs in `content` (plain text or HTML), trailing punctuation removed, in order. */
export function extractUrls(content: string): string[] {
  const absolute = [...content.matchAll(ABSOLUTE)].map((m) => m[0]);
  const relative = [...content.matchAll(PROTOCOL_RELATIVE)].map((m) => `https:${m[1]}`);
  return [...absolute, ...relative].map((u) => u.replace(/(&quot;|[.,;:!?*'"])+$/, ''));
}

/** The host of `url` in lower case without a trailing dot; null when it is not a usable http(s) URL. */
export function hostOf(url: string): string | null {
  try {
    const host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
    return host === '' || /[{}%]/.test(host) ? null : host.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}

interface LinkScan {
  urls: number;
  /** Registrable domains (the host itself when it has none). */
  domains: string[];
  shorteners: string[];
  ipHosts: string[];
}

/** Every link of every step and variant, by distinct domain. */
export function scanLinks(campaign: Pick<Campaign, 'steps'>): LinkScan {
  const contents = campaign.steps.flatMap((s) => [s.text, s.html, ...(s.variants ?? []).flatMap((v) => [v.text, v.html])]);
  const hosts = contents.flatMap((c) => (c === undefined ? [] : extractUrls(c))).map(hostOf).filter((h): h is string => h !== null);
  const domains = new Set<string>();
  const shorteners = new Set<string>();
  const ipHosts = new Set<string>();
  for (const host of hosts) {
    if (isIP(host) !== 0) { ipHosts.add(host); continue; }
    const domain = organizationalDomain(host) ?? host;
    domains.add(domain);
    if (URL_SHORTENERS.includes(domain) || URL_SHORTENERS.includes(host)) shorteners.add(domain);
  }
  return { urls: hosts.length, domains: [...domains].sort(), shorteners: [...shorteners].sort(), ipHosts: [...ipHosts].sort() };
}

type Lookup = { domain: string; listed: boolean; lists: string[]; unknown?: string };

/** `links`: fail for listed domains, warn for failed lookups, shorteners and IP links. */
export async function linksItem(campaign: Pick<Campaign, 'steps'>, listedDomain: ListedDomain): Promise<PreflightItem> {
  const scan = scanLinks(campaign);
  if (scan.urls === 0) return item('links', 'pass', 'no links');
  const lookups = await Promise.all(scan.domains.map((d) => lookup(d, listedDomain)));
  const listed = lookups.filter((l) => l.listed);
  const unknown = lookups.filter((l) => !l.listed && l.unknown !== undefined);
  const details = { domains: scan.domains, listed, unknown, shorteners: scan.shorteners, ipHosts: scan.ipHosts };
  const problems = [
    ...listed.map((l) => `${l.domain} is listed on ${l.lists.join(', ')}`),
    ...unknown.map((l) => `${l.domain}: lookup failed (${l.unknown})`),
    ...scan.shorteners.map((d) => `${d} is a URL shortener`),
    ...scan.ipHosts.map((h) => `link to the IP address ${h}`),
  ];
  const fixes = [
    listed.length > 0 ? 'remove the links to listed domains (or get them delisted first)' : '',
    unknown.length > 0 ? 'query the blocklists through a resolver they accept, then run preflight again' : '',
    scan.shorteners.length > 0 || scan.ipHosts.length > 0 ? 'link to the full URL on a named domain instead' : '',
  ].filter((f) => f !== '');
  if (problems.length === 0) return item('links', 'pass', `${plural(scan.urls, 'link')} to ${plural(scan.domains.length, 'domain')}, none listed (${scan.domains.join(', ')})`, undefined, details);
  return item('links', listed.length > 0 ? 'fail' : 'warn', problems.join('; '), fixes.join('; '), details);
}

async function lookup(domain: string, listedDomain: ListedDomain): Promise<Lookup> {
  try {
    return { domain, ...(await listedDomain(domain)) };
  } catch (err) {
    return { domain, listed: false, lists: [], unknown: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A ListedDomain over the health context's domain blocklists (checks.domainBlocklists): listed on
 * any list → listed; a list that did not answer → unknown (with why).
 * @example preflight({ ..., listedDomain: listedDomainFrom(contextFromConfig(config, resolver)) }, campaign)
 */
export function listedDomainFrom(ctx: Pick<HealthContext, 'resolver' | 'blocklists'>): ListedDomain {
  return async (domain) => {
    const lists = ctx.blocklists.domain;
    const answers = await Promise.all(lists.map((list) => queryList(ctx as HealthContext, `${domain}.${list}`, list)));
    const listed = lists.filter((_, i) => answers[i]!.kind === 'listed');
    const why = answers.flatMap((a) => (a.kind === 'unknown' ? [a.why] : []));
    return { listed: listed.length > 0, lists: listed, ...(why.length > 0 ? { unknown: why.join('; ') } : {}) };
  };
}
