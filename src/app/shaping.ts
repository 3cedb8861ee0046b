// The shaping rules of `petrel serve` (data/shaping.yaml, or shaping.rulesFile, with shaping.overrides)
// as the pacing layer sees them (src/pacing/shaping-port.ts). A destination of no known provider is
// "other:<first host>" with the default limits. A bad rules file throws at start, naming its path.
import type { PetrelConfig } from '../config/schema.js';
import { NO_SHAPING, type ProviderShaping, type ShapingPort } from '../pacing/shaping-port.js';
import { describeAction, matchAutomation } from '../shaping/automation.js';
import { limitsFor, providerOf } from '../shaping/providers.js';
import { loadShapingRules } from '../shaping/rules.js';

export function shapingPort(config: PetrelConfig): ShapingPort {
  if (!config.shaping.enabled) return NO_SHAPING;
  const rules = loadShapingRules({ ...(config.shaping.rulesFile ? { file: config.shaping.rulesFile } : {}), ...(config.shaping.overrides ? { overrides: config.shaping.overrides } : {}) });
  return {
    providerOf: (hosts) => {
      const provider = providerOf(rules, hosts);
      const name = provider?.name ?? (hosts[0] ? `other:${hosts[0].toLowerCase()}` : 'other');
      return { name, ...limitsFor(rules, provider) } satisfies ProviderShaping;
    },
    match: (reply) => matchAutomation(rules, reply).map((rule) => ({ name: rule.name, action: rule.action, description: describeAction(rule) })),
  };
}
