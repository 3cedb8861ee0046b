// Domain administration shared by `petrel domain` and the HTTP API: adding a domain with its first
// DKIM keys, the records to publish, and what `domain check` looks at. Throws StoreError (invalid,
// exists, not-found); SQLite and key-file errors pass through.
import type { PetrelConfig } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { addDomain, getDomain, requireDomainName, type DomainFlags, type DomainRecord } from '../store/domains.js';
import { StoreError } from '../store/errors.js';
import { ensureActiveKeys, listDkimKeys, type DkimAlgorithm, type DkimKey } from './dkim-keys.js';
import { activeDkimKeys } from './health/dkim.js';
import type { DomainToCheck } from './health/domain-check.js';
import { domainRecords, type DnsRecord } from './records.js';

/** The domain and, when it sends, its first DKIM keys, in one transaction. */
export function addDomainWithKeys(db: Db, dataDir: string, name: string, flags: DomainFlags, algorithms: readonly DkimAlgorithm[]) {
  return db.transaction(() => {
    const added: DomainRecord = addDomain(db, name, flags);
    const keys: DkimKey[] = added.sending && algorithms.length > 0 ? ensureActiveKeys(db, dataDir, added.name, algorithms) : [];
    return { added, keys };
  })();
}

/** The records `petrel domain records` prints; StoreError('not-found') for an unknown domain. */
export function domainRecordsFor(db: Db, config: PetrelConfig, input: string): DnsRecord[] {
  const name = requireDomainName(input);
  const domain = getDomain(db, name);
  if (domain === null) throw new StoreError('not-found', `no domain ${name}`);
  const sources = config.delivery.sources.map((s) => s.address);
  return domainRecords({ domain: name, hostname: config.hostname, local: domain.local, keys: listDkimKeys(db, name), sources });
}

/** A named domain to check; one not in the domains table is checked as if we received mail for it. */
export function domainToCheck(db: Db, input: string): DomainToCheck {
  const name = requireDomainName(input);
  const record = getDomain(db, name);
  return { name, receives: record?.local ?? true, dkimKeys: activeDkimKeys(db, name) };
}
