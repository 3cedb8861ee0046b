// Which identities a cluster claim may count against, in order: the one the chooser picked, then (for
// a pool contact with no identity yet) the pool's other active address identities of the same sending
// domain, so a suppression checked for the domain still holds. Reads the local mirror; never fails.
import { effectiveLimits } from '../identities/caps.js';
import { PoolStore } from '../identities/pools.js';
import { IdentityStore } from '../identities/store.js';
import { isDomainIdentity, type Identity } from '../identities/types.js';
import { dayKey } from '../pacing/days.js';
import type { Db } from '../store/db.js';
import type { Campaign } from './definition.js';
import type { ClaimCandidate } from './step-claims.js';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export class ClaimCandidates {
  private readonly identities: IdentityStore;
  private readonly pools: PoolStore;
  private readonly heldDays;

  constructor(db: Db) {
    this.identities = new IdentityStore(db);
    this.pools = new PoolStore(db);
    this.heldDays = db.prepare('SELECT day FROM warmup_holds WHERE identity = ?').pluck();
  }

  /** `chosen` first; alternates only when the contact is not bound to an identity already. */
  of(def: Campaign, chosen: Identity, bound: boolean, now: number): ClaimCandidate[] {
    const first = this.candidate(chosen, now);
    if (bound || def.pool === undefined) return [first];
    const members = this.pools.get(def.pool)?.members ?? [];
    const others = members.flatMap((m) => {
      const identity = m.identity === chosen.name ? null : this.identities.get(m.identity);
      const usable = identity && identity.state !== 'paused' && !isDomainIdentity(identity) && domainOf(identity.from) === domainOf(chosen.from);
      return usable ? [this.candidate(identity, now)] : [];
    });
    return [first, ...shuffle(others)]; // shuffled: nodes at a cap do not all fall back on one identity
  }

  private candidate(identity: Identity, now: number): ClaimCandidate {
    const held = this.heldDays.all(identity.name) as string[];
    return { name: identity.name, cap: effectiveLimits(identity, held, now).capToday, day: dayKey(now, identity.timeZone) };
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
