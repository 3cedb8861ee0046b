// Runs every health area for one domain and collects the findings into a DomainReport. An area that
// throws unexpectedly becomes one `unknown` finding instead of aborting the others.
import { checkBlocklists } from './blocklists.js';
import { bulkSenderChecklist } from './checklist.js';
import type { HealthContext } from './context.js';
import { checkDkim, type DkimKey } from './dkim.js';
import { checkDmarc } from './dmarc.js';
import { checkMtaSts } from './mta-sts.js';
import { checkMx } from './mx.js';
import { checkPtr } from './ptr.js';
import { finding, type Area, type DomainReport, type Finding } from './report.js';
import { checkSpf } from './spf.js';

/** The domain being checked: its name, whether we receive mail for it, and its active DKIM keys. */
export interface DomainToCheck {
  name: string;
  receives: boolean;
  dkimKeys: DkimKey[];
}

/**
 * All findings for `domain`, grouped by area, the bulk-sender checklist last.
 * @example const report = await checkDomain(contextFromConfig(config, resolver), { name, receives: true, dkimKeys })
 */
export async function checkDomain(ctx: HealthContext, domain: DomainToCheck): Promise<DomainReport> {
  const name = domain.name;
  const runs: [Area, () => Promise<Finding[]>][] = [
    ['spf', () => checkSpf(ctx, name)],
    ['dkim', () => checkDkim(ctx, name, domain.dkimKeys)],
    ['dmarc', () => checkDmarc(ctx, name)],
    ['mx', () => checkMx(ctx, name, domain.receives)],
    ['ptr', () => checkPtr(ctx)],
    ['mta-sts', () => checkMtaSts(ctx, name)],
    ['blocklists', () => checkBlocklists(ctx, name)],
  ];
  const results = await Promise.all(runs.map(([area, run]) => guarded(area, run)));
  const byArea = Object.fromEntries(runs.map(([area], i) => [area, results[i]!])) as Partial<Record<Area, Finding[]>>;
  const checklist = bulkSenderChecklist(ctx, byArea);
  const findings = [...runs.flatMap(([area], i) => results[i]!.map((f) => ({ ...f, area }))), ...checklist.map((f) => ({ ...f, area: 'checklist' as const }))];
  return { domain: name, findings };
}

async function guarded(area: Area, run: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await run();
  } catch (err) {
    return [finding(area, 'unknown', `check failed: ${err instanceof Error ? err.message : String(err)}`, 'report this as a Petrel bug')];
  }
}
