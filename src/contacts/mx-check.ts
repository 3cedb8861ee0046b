// Can a domain receive mail? One lookup per domain for an import (cached), at most `concurrency` at a
// time. Never rejects: DNS trouble is the verdict `unknown`, which imports the row with a warning.
import { isNullMx } from '../delivery/mx.js';
import { DnsError, type Resolver } from '../dns/types.js';

export type MxVerdict =
  | { kind: 'ok' }
  | { kind: 'no-mx' | 'null-mx'; detail: string }
  | { kind: 'unknown'; detail: string };

/** The verdict of one domain: MX records, else an A/AAAA record (RFC 5321 §5.1's implicit MX). */
export async function mxVerdict(resolver: Resolver, domain: string): Promise<MxVerdict> {
  const mx = await settle(resolver.mx(domain));
  if (Array.isArray(mx)) {
    return isNullMx(mx) ? { kind: 'null-mx', detail: `${domain} publishes a null MX: it accepts no mail (RFC 7505)` } : { kind: 'ok' };
  }
  if (mx.code === 'NXDOMAIN') return { kind: 'no-mx', detail: `${domain} does not exist (NXDOMAIN)` };
  if (mx.code !== 'NODATA') return { kind: 'unknown', detail: `MX lookup of ${domain} failed (${mx.code}); imported unchecked` };
  const [a, aaaa] = await Promise.all([settle(resolver.a(domain)), settle(resolver.aaaa(domain))]);
  if (Array.isArray(a) || Array.isArray(aaaa)) return { kind: 'ok' };
  const failed = [a, aaaa].find((e) => !e.permanent);
  if (failed !== undefined) return { kind: 'unknown', detail: `${domain} has no MX; its address lookup failed (${failed.code}); imported unchecked` };
  return { kind: 'no-mx', detail: `${domain} has no MX and no A/AAAA record` };
}

/** The records, or the DnsError (anything else thrown counts as a temporary failure). */
async function settle<T>(lookup: Promise<T>): Promise<T | DnsError> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof DnsError) return err;
    return new DnsError('NETWORK', '', '', err instanceof Error ? err.message : String(err));
  }
}

/** Verdicts for one import: started as domains are seen, so lookups overlap the reading of the file. */
export class MxChecker {
  private readonly verdicts = new Map<string, Promise<MxVerdict>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly resolver: Resolver,
    private readonly concurrency = 32,
  ) {}

  /** The (cached) verdict of `domain`; the first call starts its lookup. */
  check(domain: string): Promise<MxVerdict> {
    let verdict = this.verdicts.get(domain);
    if (verdict === undefined) {
      verdict = this.limited(() => mxVerdict(this.resolver, domain));
      this.verdicts.set(domain, verdict);
    }
    return verdict;
  }

  get domains(): number {
    return this.verdicts.size;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    // A finished lookup hands its slot to the next waiter, so no newcomer can slip in between.
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
