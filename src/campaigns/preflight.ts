// `campaign preflight`: the checklist a campaign must pass before it starts — identities, each sending
// domain's authentication, unsubscribe, list, templates, links, tracking and capacity — and its text.
// Each check is independent: one that throws becomes its own `fail` item, never a failed preflight.
//
// A loopback or plain-http unsubscribe URL is a `warn`, not a `fail`: tests and local trials run on
// loopback, so the operator is told (set campaigns.publicUrl) without being blocked from starting.
import { isIP } from 'node:net';
import type { Campaign } from './definition.js';
import { authItem, sendingDomains } from './preflight-auth.js';
import { capacityItem, dailyCapacity, estimateFor } from './preflight-capacity.js';
import { linksItem } from './preflight-links.js';
import { listFigures, listItem, templatesItem } from './preflight-list.js';
import { identitiesCheck, resolveSenders } from './preflight-senders.js';
import { item, plural, type PreflightDeps, type PreflightItem, type PreflightReport } from './preflight-types.js';

export type { CheckStatus, CompileTemplate, ListedDomain, PreflightDeps, PreflightItem, PreflightReport } from './preflight-types.js';
export { listedDomainFrom, URL_SHORTENERS } from './preflight-links.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Run every check of `campaign` against the store and DNS in `deps`.
 * @example const report = await preflight({ db, checkDomain, listedDomain, unsubscribe, now: Date.now() }, campaign)
 */
export async function preflight(deps: PreflightDeps, campaign: Campaign): Promise<PreflightReport> {
  const senders = attempt(() => resolveSenders(deps.db, campaign));
  const identities = senders.ok ? senders.value.identities : [];
  const domains = sendingDomains(identities);
  const figures = attempt(() => listFigures(deps.db, campaign.list, [...domains.keys()], deps.now));
  const estimate = attempt(() => {
    const f = unwrap(figures);
    return estimateFor(f.members - f.suppressed, dailyCapacity(deps.db, identities, deps.now), campaign.dailyLimit);
  });
  const runs: Array<[string, () => PreflightItem | Promise<PreflightItem>]> = [
    ['identities', () => identitiesCheck(unwrap(senders))],
    ...[...domains].map(([domain, { mta }]): [string, () => Promise<PreflightItem>] => [`auth:${domain}`, async () => authItem({ ...(await deps.checkDomain(domain)), domain }, mta)]),
    ['unsubscribe', () => unsubscribeItem(deps.unsubscribe)],
    ['list', () => listItem(campaign.list, unwrap(figures))],
    ['templates', () => templatesItem(deps.db, campaign, deps.compile)],
    ['links', () => linksItem(campaign, deps.listedDomain)],
    ['tracking', () => trackingItem(campaign.tracking)],
    ['capacity', () => capacityItem(campaign, unwrap(estimate))],
  ];
  const items = await Promise.all(runs.map(([check, run]) => guarded(check, run)));
  return {
    campaign: campaign.name,
    ok: items.every((i) => i.status !== 'fail'),
    items,
    estimate: estimate.ok ? estimate.value : { contacts: 0, dailyCapacity: null, days: null },
  };
}

/** `unsubscribe`: the one-click URL must be https on a public name for mailbox providers to reach it. */
export function unsubscribeItem(unsubscribe: PreflightDeps['unsubscribe']): PreflightItem {
  const url = new URL(unsubscribe.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const where = `one-click unsubscribe (added to every message) at ${url.origin}, mailto unsub+TOKEN@${unsubscribe.mailtoDomain}`;
  const fix = 'set campaigns.publicUrl to the https URL the world reaches Petrel at';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return item('unsubscribe', 'fail', `${where}: not an http(s) URL`, fix);
  if (host === 'localhost' || host.endsWith('.localhost') || isIP(host) !== 0) {
    return item('unsubscribe', 'warn', `${where}: ${host} cannot be reached by mailbox providers (fine for tests)`, fix);
  }
  if (url.protocol !== 'https:') return item('unsubscribe', 'warn', `${where}: plain http (providers expect https for one-click)`, fix);
  return item('unsubscribe', 'pass', where);
}

/** `tracking`: none is recommended; a tracking host must be https; opens and clicks are warned. */
export function trackingItem(tracking: Campaign['tracking']): PreflightItem {
  if (tracking === 'none') return item('tracking', 'pass', 'no tracking: recommended for cold outreach');
  const notes: string[] = [];
  if (tracking.opens) notes.push('open tracking is unreliable (Apple Mail Privacy Protection loads every pixel) and its pixel hurts cold outreach');
  if (tracking.clicks) notes.push(`click tracking rewrites links to ${new URL(tracking.host).host}, which hurts cold outreach`);
  if (new URL(tracking.host).protocol !== 'https:') {
    return item('tracking', 'fail', [`tracking host ${tracking.host} is not https`, ...notes].join('; '), 'serve the tracking host over https (a CNAME of your own with a certificate), or set tracking: none');
  }
  if (notes.length > 0) return item('tracking', 'warn', notes.join('; '), 'set tracking: none for cold outreach');
  return item('tracking', 'pass', `tracking host ${tracking.host} set, opens and clicks off`);
}

const MARKS = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** The report as text: a verdict line, one line per item (fixes indented below), then the estimate. */
export function renderPreflight(report: PreflightReport): string {
  const count = (s: 'fail' | 'warn') => report.items.filter((i) => i.status === s).length;
  const verdict = report.ok ? 'ready to start' : 'not ready';
  const lines = [`campaign ${report.campaign}: ${verdict} (${count('fail')} failed, ${plural(count('warn'), 'warning')})`];
  const width = Math.max(0, ...report.items.map((i) => i.check.length));
  for (const i of report.items) {
    lines.push(`  ${MARKS[i.status]}  ${i.check.padEnd(width)}  ${i.message}`);
    if (i.fix) lines.push(`        ${' '.repeat(width)}  fix: ${i.fix}`);
  }
  lines.push(`estimate: ${estimateText(report.estimate)}`);
  return lines.join('\n') + '\n';
}

function estimateText({ contacts, dailyCapacity: capacity, days }: PreflightReport['estimate']): string {
  const rate = capacity === null ? 'no daily cap' : `${capacity} a day`;
  const step1 = days !== null ? `step 1 in ${plural(days, 'day')}` : capacity === 0 ? 'step 1 cannot start' : 'step 1 as fast as delivery allows';
  return `${plural(contacts, 'contact')}, ${rate}, ${step1}`;
}

async function guarded(check: string, run: () => PreflightItem | Promise<PreflightItem>): Promise<PreflightItem> {
  try {
    return await run();
  } catch (err) {
    return item(check, 'fail', `check failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw outcome.error;
}
