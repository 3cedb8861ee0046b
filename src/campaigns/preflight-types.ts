// The shapes of `campaign preflight`: one item per check, the report, and what the checks need from
// outside (store, DNS, config, clock). Types and the item helpers only; no I/O.
import type { DomainReport } from '../auth/health/report.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One line of the checklist; `check` is a stable id (identities, auth:<domain>, list, ...). */
export interface PreflightItem {
  check: string;
  status: CheckStatus;
  message: string;
  fix?: string;
  details?: unknown;
}

export interface PreflightReport {
  campaign: string;
  /** No item failed. */
  ok: boolean;
  items: PreflightItem[];
  /** contacts: list members not suppressed; dailyCapacity null: no cap; days null: unbounded or never. */
  estimate: { contacts: number; dailyCapacity: number | null; days: number | null };
}

/** What a template compiler tells about one source; throws an Error whose message names the fault. */
export type CompileTemplate = (source: string) => { fields: string[]; fieldsWithoutFallback: string[] };

/** A domain blocklist lookup of a link's domain; `unknown` says why it could not be told. */
export type ListedDomain = (domain: string) => Promise<{ listed: boolean; lists: string[]; unknown?: string }>;

export interface PreflightDeps {
  /** The store: identities, pools, contacts, lists, suppressions. */
  db: Db;
  /** `domain check` of one sending domain (built by the caller from config, resolver and DKIM keys). */
  checkDomain(domain: string): Promise<DomainReport>;
  listedDomain: ListedDomain;
  /** Where one-click unsubscribe links point (campaigns.publicUrl or the default). */
  unsubscribe: { url: string; mailtoDomain: string };
  now: number;
  /** The campaign template compiler; without it `templates` warns that it was not checked. */
  compile?: CompileTemplate;
}

/** The identities a campaign sends from, as resolved once per preflight. */
export interface Senders {
  /** `pool NAME` or `identity NAME`: how the messages name the source. */
  label: string;
  identities: Identity[];
  /** Why there are none (unknown pool or identity, an empty pool); null when there are some. */
  missing: string | null;
}

export const item = (check: string, status: CheckStatus, message: string, fix?: string, details?: unknown): PreflightItem => ({
  check, status, message, ...(fix ? { fix } : {}), ...(details !== undefined ? { details } : {}),
});

/** The worst of `statuses` (fail > warn > pass). */
export function worstOf(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
}

/** "1 contact", "3 contacts". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
