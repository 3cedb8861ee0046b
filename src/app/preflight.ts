// Builds the preflight's dependencies from the configuration (CLI and API alike): `domain check` of
// each sending domain over Petrel's resolver, domain blocklist lookups of link domains, the public
// unsubscribe addresses, and the template compiler. DNS failures become 'unknown' findings, not throws.
import { contextFromConfig } from '../auth/health/context.js';
import { checkDomain } from '../auth/health/domain-check.js';
import { domainToCheck } from '../auth/domain-setup.js';
import { preflight, type PreflightReport } from '../campaigns/preflight.js';
import { listedDomainFrom } from '../campaigns/preflight-links.js';
import type { Campaign } from '../campaigns/definition.js';
import { compileTemplate } from '../campaigns/template.js';
import type { PetrelConfig } from '../config/schema.js';
import { DnsResolver } from '../dns/resolver.js';
import type { Db } from '../store/db.js';
import { unsubscribeBaseUrl, unsubscribeDomain } from './campaigns.js';

export function runPreflight(config: PetrelConfig, db: Db, campaign: Campaign, now: number, httpPort: number | null = null): Promise<PreflightReport> {
  const ctx = contextFromConfig(config, DnsResolver.fromConfig(config.dns));
  return preflight({
    db,
    checkDomain: (domain) => checkDomain(ctx, domainToCheck(db, domain)),
    listedDomain: listedDomainFrom(ctx),
    unsubscribe: { url: `${unsubscribeBaseUrl(config, httpPort).replace(/\/$/, '')}/u/TOKEN`, mailtoDomain: unsubscribeDomain(config) },
    now,
    compile: compileTemplate,
  }, campaign);
}
