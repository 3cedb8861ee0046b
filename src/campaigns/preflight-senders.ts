// Preflight's `identities` check: the campaign's pool (with members) or identity exists, and none of
// its identities is paused. Store errors propagate to the caller, which turns them into a fail item.
import { PoolStore } from '../identities/pools.js';
import { IdentityStore } from '../identities/store.js';
import type { Identity } from '../identities/types.js';
import type { Db } from '../store/db.js';
import type { Campaign } from './definition.js';
import { item, type PreflightItem, type Senders } from './preflight-types.js';

/** The identities `campaign` sends from (a pool's members, or its one identity). */
export function resolveSenders(db: Db, campaign: Pick<Campaign, 'pool' | 'identity'>): Senders {
  const identities = new IdentityStore(db);
  if (campaign.identity !== undefined) {
    const one = identities.get(campaign.identity);
    return { label: `identity ${campaign.identity}`, identities: one ? [one] : [], missing: one ? null : `no identity ${campaign.identity}` };
  }
  const name = campaign.pool ?? '';
  const pool = new PoolStore(db).get(name);
  if (!pool) return { label: `pool ${name}`, identities: [], missing: `no pool ${name}` };
  const members = pool.members.map((m) => identities.get(m.identity)).filter((i): i is Identity => i !== null);
  return { label: `pool ${name}`, identities: members, missing: members.length === 0 ? `pool ${name} has no identities` : null };
}

/** `identities`: fail when the source is missing or any identity is paused (named, with its reason). */
export function identitiesCheck(senders: Senders): PreflightItem {
  if (senders.missing !== null) {
    const fix = senders.label.startsWith('pool') ? 'create it with `petrel pool add NAME --identity ...` or fix `pool` in the campaign' : 'add it with `petrel identity add` or fix `identity` in the campaign';
    return item('identities', 'fail', senders.missing, fix);
  }
  const paused = senders.identities.filter((i) => i.state === 'paused');
  const names = senders.identities.map((i) => i.name);
  if (paused.length > 0) {
    const which = paused.map((i) => `${i.name} (${i.reason ?? 'paused'})`).join(', ');
    return item('identities', 'fail', `${senders.label}: paused: ${which}`, 'resume them with `petrel identity resume NAME` once the cause is fixed, or remove them from the pool', { identities: names, paused: paused.map((i) => i.name) });
  }
  return item('identities', 'pass', `${senders.label}: ${names.length} active ${names.length === 1 ? 'identity' : 'identities'} (${names.join(', ')})`, undefined, { identities: names });
}
