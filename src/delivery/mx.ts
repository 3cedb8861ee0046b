// Pure MX arithmetic: order records by preference with equal preferences shuffled (RFC 5321 §5.1),
// recognise a null MX (RFC 7505), and drop our own MX and every worse one (a loop otherwise).
import type { MxRecord } from '../dns/types.js';

/** Records sorted by preference; records of equal preference in random order. */
export function orderMx(records: readonly MxRecord[], random: () => number = Math.random): MxRecord[] {
  const keyed = records.map((r) => ({ r, k: random() }));
  keyed.sort((a, b) => a.r.preference - b.r.preference || a.k - b.k);
  return keyed.map(({ r }) => r);
}

/** A domain that publishes a single MX "." accepts no mail (RFC 7505). */
export function isNullMx(records: readonly MxRecord[]): boolean {
  return records.length === 1 && records[0]!.exchange === '';
}

/**
 * When one of the MX hosts is us, only hosts strictly better than our best entry may be used
 * (RFC 5321 §5.1); an empty result means the mail would loop back to us.
 */
export function withoutSelf(records: readonly MxRecord[], isSelf: (exchange: string) => boolean): MxRecord[] {
  const ours = records.filter((r) => isSelf(r.exchange)).map((r) => r.preference);
  if (ours.length === 0) return [...records];
  const best = Math.min(...ours);
  return records.filter((r) => r.preference < best);
}
