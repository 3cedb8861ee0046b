// The MTA-STS policy cache (RFC 8461 §5): TXT id check, HTTPS fetch on change, policies kept in
// mta_sts_policies until max_age. DNS and fetch failures become results, never throws; SQLite errors throw.
import { DnsError, type Resolver } from '../dns/types.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { StsFetchError } from './mta-sts-fetch.js';
import { certMatchesPolicy, mxMatchesPolicy, parsePolicy, pickStsRecord, type MtaStsPolicy } from './mta-sts-policy.js';
import type { TlsPolicyType, TlsResult } from './tls-report.js';

/**
 * What policyFor found:
 * - `{ policy, fromCache }`: the policy to apply (mode none means no enforcement: see decideTls).
 * - `null`: the domain publishes no policy (no valid TXT record and nothing usable stored).
 * - `{ error, message }`: a TXT record announces a policy but none could be had, and nothing usable
 *   is stored. Deliver as without MTA-STS (RFC 8461 §5) and count it for TLS-RPT: fetch →
 *   sts-policy-fetch-error, invalid → sts-policy-invalid, webpki → sts-webpki-invalid.
 */
export type PolicyLookup =
  | { policy: MtaStsPolicy; fromCache: boolean }
  | null
  | { error: 'fetch' | 'invalid' | 'webpki'; message: string };

export interface MtaStsDeps {
  resolver: Resolver;
  db: Db;
  /** Returns the policy text of a domain; see httpsPolicyFetcher. */
  fetch: (domain: string) => Promise<string>;
  /** Clock in ms; tests move it. */
  now?: () => number;
  log?: Logger;
}

interface Stored {
  id: string;
  policy: MtaStsPolicy;
}

/** The TXT answer: the policy id, 'absent' (none or invalid), or 'unknown' (temporary DNS failure). */
type TxtState = { id: string } | 'absent' | 'unknown';

/**
 * Looks up, fetches and caches MTA-STS policies; concurrent lookups of one domain share the work.
 * @example const result = await new MtaStsPolicies({ resolver, db, fetch }).policyFor('example.com')
 */
export class MtaStsPolicies {
  readonly #deps: MtaStsDeps;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<PolicyLookup>>();

  constructor(deps: MtaStsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The policy that applies to mail for `domain` (see PolicyLookup). */
  policyFor(domain: string): Promise<PolicyLookup> {
    const key = domain.toLowerCase().replace(/\.$/, '');
    const running = this.#inflight.get(key);
    if (running) return running;
    const lookup = this.#lookup(key).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, lookup);
    return lookup;
  }

  async #lookup(domain: string): Promise<PolicyLookup> {
    const txt = await this.#txt(domain);
    const stored = this.#load(domain);
    // A TXT record that vanished or cannot be read must not downgrade a cached policy (§10.2).
    if (stored && (typeof txt === 'string' || txt.id === stored.id)) return { policy: stored.policy, fromCache: true };
    if (typeof txt === 'string') return null;
    return this.#refresh(domain, txt.id, stored);
  }

  async #txt(domain: string): Promise<TxtState> {
    try {
      const record = pickStsRecord(await this.#deps.resolver.txt(`_mta-sts.${domain}`));
      return record ?? 'absent';
    } catch (err) {
      return err instanceof DnsError && err.permanent ? 'absent' : 'unknown';
    }
  }

  /** Fetch and store the policy `id`; on any failure fall back to the stored one if still valid. */
  async #refresh(domain: string, id: string, stored: Stored | null): Promise<PolicyLookup> {
    let text: string;
    try {
      text = await this.#deps.fetch(domain);
    } catch (err) {
      const kind = err instanceof StsFetchError ? err.kind : 'fetch';
      return this.#failed(domain, stored, kind, err instanceof Error ? err.message : String(err));
    }
    const policy = parsePolicy(text);
    if (policy instanceof Error) return this.#failed(domain, stored, 'invalid', policy.message);
    this.#save(domain, id, policy, text);
    this.#deps.log?.info({ event: 'mta-sts-policy', domain, id, mode: policy.mode }, 'MTA-STS policy fetched');
    return { policy, fromCache: false };
  }

  #failed(domain: string, stored: Stored | null, error: 'fetch' | 'invalid' | 'webpki', message: string): PolicyLookup {
    const entry = { event: 'mta-sts-fetch-failed', domain, error, reason: message, cached: stored !== null };
    this.#deps.log?.warn(entry, 'MTA-STS policy fetch failed');
    return stored ? { policy: stored.policy, fromCache: true } : { error, message };
  }

  /** The stored policy if it has not outlived its max_age. */
  #load(domain: string): Stored | null {
    const row = this.#deps.db
      .prepare('SELECT policy_id, mode, mx, max_age, fetched_at FROM mta_sts_policies WHERE domain = ?')
      .get(domain) as { policy_id: string; mode: string; mx: string; max_age: number; fetched_at: number } | undefined;
    if (!row || row.fetched_at + row.max_age * 1000 <= this.#now()) return null;
    if (row.mode !== 'enforce' && row.mode !== 'testing' && row.mode !== 'none') return null;
    return { id: row.policy_id, policy: { mode: row.mode, mx: JSON.parse(row.mx) as string[], maxAge: row.max_age } };
  }

  #save(domain: string, id: string, policy: MtaStsPolicy, text: string): void {
    this.#deps.db
      .prepare(
        `INSERT INTO mta_sts_policies (domain, policy_id, mode, mx, max_age, fetched_at, text)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id, mode = excluded.mode,
           mx = excluded.mx, max_age = excluded.max_age, fetched_at = excluded.fetched_at, text = excluded.text`,
      )
      .run(domain, id, policy.mode, JSON.stringify(policy.mx), policy.maxAge, this.#now(), text);
  }
}

/** How delivery to one MX host treats TLS under a domain's policy (or lack of one). */
export interface StsDecision {
  /** False when an enforced policy does not list this MX: skip it (RFC 8461 §4.1). */
  connect: boolean;
  /** enforce: TLS with a certificate accepted by matchNames is required, else defer; never plaintext. */
  requireVerifiedTls: boolean;
  /** For ClientTls.matchNames: the certificate must be valid for this MX, which must fit the policy. */
  matchNames?: (certNames: string[]) => boolean;
  /** How the session counts for TLS-RPT. */
  policyType: TlsPolicyType;
  /** A failure known before connecting (the MX is not in the policy), to count for TLS-RPT. */
  failure?: TlsResult;
}

/**
 * Pure: the TLS rules for `mxHost`. No policy or mode none → the usual rules; testing → deliver
 * anyway, check and report; enforce → only matching MX hosts, and only over verified TLS.
 * @example decideTls({ mode: 'enforce', mx: ['*.example.com'], maxAge: 86400 }, 'mx.other.net').connect // false
 */
export function decideTls(policy: MtaStsPolicy | null, mxHost: string): StsDecision {
  if (policy === null || policy.mode === 'none') {
    return { connect: true, requireVerifiedTls: false, policyType: 'no-policy-found' };
  }
  const enforce = policy.mode === 'enforce';
  const matchNames = (certNames: string[]): boolean => certMatchesPolicy(certNames, policy.mx, mxHost);
  const decision: StsDecision = { connect: true, requireVerifiedTls: enforce, matchNames, policyType: 'sts' };
  if (mxMatchesPolicy(mxHost, policy.mx)) return decision;
  return { ...decision, connect: !enforce, failure: 'validation-failure' };
}
