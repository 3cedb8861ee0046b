// Who receives an identity's next warm-up message: another member of the network (never itself), the
// one it sent least to recently, ties broken by a stable hash of the seed, so mail spreads over all
// partners and no pair is hammered. Pure.
import { hashFraction } from '../campaigns/choose.js';

/**
 * The partner for `sender`'s next message, or null when it has none.
 * @param recent warm-up messages `sender` sent to each partner lately (missing: 0)
 * @example choosePartner('a', ['a', 'b', 'c'], new Map([['b', 3]]), 'a/2026-05-01/0') // 'c'
 */
export function choosePartner(sender: string, network: readonly string[], recent: ReadonlyMap<string, number>, seed: string): string | null {
  const partners = network.filter((name) => name !== sender);
  if (partners.length === 0) return null;
  const count = (name: string) => recent.get(name) ?? 0;
  const tie = (name: string) => hashFraction(`${seed}/${name}`);
  return [...partners].sort((a, b) => count(a) - count(b) || tie(a) - tie(b) || a.localeCompare(b))[0]!;
}

/** A stable fraction of a tag for one decision (flag, reply), so a re-read decides the same. */
export function decides(tag: string, what: 'flag' | 'reply', share: number): boolean {
  return hashFraction(`${tag}/${what}`) < share;
}
