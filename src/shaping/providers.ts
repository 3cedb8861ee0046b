// Which provider a destination belongs to, from its MX hosts (or a relay's host name) by suffix, and
// the limits that apply to it (the provider's own over the defaults). Pure; an unknown or malformed
// host matches nothing, so the answer is null and the default limits apply.
import type { ProviderRule, ShapingRules } from './rules.js';

/** The effective limits towards a destination. */
export type ShapingLimits = Omit<ProviderRule, 'name' | 'mx'>;

const LIMIT_KEYS = ['connectionsPerSource', 'messagesPerConnection', 'messagesPerMinutePerSource', 'messagesPerMinutePerIdentity'] as const;

/**
 * The provider of the first host, in the order given (MX preference order), that ends with one of a
 * provider's suffixes; the longest matching suffix wins. Case-insensitive; a trailing dot is ignored.
 * @example providerOf(rules, ['aspmx.l.google.com.'])?.name // 'google'
 */
export function providerOf(rules: ShapingRules, hosts: readonly string[]): ProviderRule | null {
  for (const host of hosts) {
    const found = providerOfHost(rules, host.trim().toLowerCase().replace(/\.$/, ''));
    if (found !== null) return found;
  }
  return null;
}

function providerOfHost(rules: ShapingRules, host: string): ProviderRule | null {
  if (host === '') return null;
  let best: ProviderRule | null = null;
  let bestLength = 0;
  for (const provider of rules.providers) {
    for (const suffix of provider.mx) {
      const hit = host.endsWith(suffix) || host === suffix.slice(1);
      if (hit && suffix.length > bestLength) [best, bestLength] = [provider, suffix.length];
    }
  }
  return best;
}

/**
 * The limits towards a provider: each of its own figures, else the default's; a limit neither sets
 * is absent (no limit from shaping).
 * @example limitsFor(rules, null) // rules.default
 */
export function limitsFor(rules: ShapingRules, provider: ProviderRule | null): ShapingLimits {
  const limits: ShapingLimits = {};
  for (const key of LIMIT_KEYS) {
    const value = provider?.[key] ?? rules.default[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
