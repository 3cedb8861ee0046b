// Matches a delivery reply against the automation rules (every rule whose conditions all hold, in
// file order) and describes a rule's action in one line for events and docs. Pure; never throws.
import type { BounceClass } from '../bounce/classes.js';
import { formatDuration } from './duration.js';
import type { AutomationRule, ShapingRules } from './rules.js';

/** What the rules look at in a reply: who sent it, its codes, its words, and the classifier's class. */
export interface ShapingReply {
  /** The provider's name (providerOf), or null for a destination that is no provider. */
  provider: string | null;
  code: number;
  /** Enhanced status such as "4.7.28", or "". */
  enhanced: string;
  text: string;
  class: BounceClass;
}

/** Longest part of a reply text the patterns search: replies are short; this bounds a hostile one. */
const MAX_TEXT = 8192;

/**
 * Every rule that fires on the reply, in file order; a rule with a provider only fires on that
 * provider's replies.
 * @example matchAutomation(rules, { provider: 'google', code: 421, enhanced: '4.7.28', text, class: 'rate' })
 */
export function matchAutomation(rules: ShapingRules, reply: ShapingReply): AutomationRule[] {
  const text = reply.text.length > MAX_TEXT ? reply.text.slice(0, MAX_TEXT) : reply.text;
  return rules.automation.filter((rule) => fires(rule, reply, text));
}

function fires(rule: AutomationRule, reply: ShapingReply, text: string): boolean {
  const { codes, enhanced, text: pattern, class: classes } = rule.match;
  if (rule.provider !== undefined && rule.provider !== reply.provider) return false;
  if (codes !== undefined && !codes.includes(reply.code)) return false;
  if (enhanced !== undefined && !enhanced.some((prefix) => enhancedMatches(prefix, reply.enhanced))) return false;
  if (classes !== undefined && !classes.includes(reply.class)) return false;
  return pattern === undefined || pattern.test(text);
}

/** "4.7" matches 4.7.x and "4.7.28" matches 4.7.28, but "4.7.2" does not match 4.7.28. */
function enhancedMatches(prefix: string, enhanced: string): boolean {
  return enhanced === prefix || enhanced.startsWith(`${prefix}.`);
}

/**
 * The action in words, e.g. "throttle to 50% of the rate towards google for 1h".
 * @example describeAction(rule) // "suspend sending from the source towards microsoft for 4h"
 */
export function describeAction(rule: AutomationRule): string {
  const { action } = rule;
  const towards = rule.provider ?? 'the replying destination';
  const time = `for ${formatDuration(action.durationMs)}`;
  const percent = action.kind === 'throttle' ? `${Math.round(action.factor * 1000) / 10}%` : '';
  if (action.scope === 'identity') {
    return action.kind === 'throttle'
      ? `throttle the identity to ${percent} of its rate towards every provider ${time}`
      : `suspend the identity towards every provider ${time}`;
  }
  return action.kind === 'throttle' ? `throttle to ${percent} of the rate towards ${towards} ${time}` : `suspend sending from the source towards ${towards} ${time}`;
}
