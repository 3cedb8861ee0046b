// What pacing needs from the shaping rules (src/shaping, shipped as data): the provider of a
// destination with its limits, and the automation rules a reply triggers. Implemented in src/app.
import type { BounceClass } from '../bounce/classes.js';

export interface ProviderShaping {
  name: string;
  connectionsPerSource?: number | undefined;
  messagesPerConnection?: number | undefined;
  messagesPerMinutePerSource?: number | undefined;
  messagesPerMinutePerIdentity?: number | undefined;
}

export type ActionSpec =
  | { kind: 'throttle'; factor: number; scope: 'source' | 'identity'; durationMs: number }
  | { kind: 'suspend'; scope: 'source' | 'identity'; durationMs: number };

export interface TriggeredRule {
  name: string;
  action: ActionSpec;
  /** One line for people: "throttle to 50% of the rate towards google for 1h". */
  description: string;
}

export interface ShapingPort {
  /** The provider of the first host (MX preference order) that belongs to one; null: none known. */
  providerOf(hosts: readonly string[]): ProviderShaping | null;
  /** Every automation rule the reply triggers, in file order. */
  match(reply: { provider: string | null; code: number; enhanced: string; text: string; class: BounceClass }): TriggeredRule[];
}

/** No rules: every destination is "other", no reply triggers anything. */
export const NO_SHAPING: ShapingPort = { providerOf: () => null, match: () => [] };
