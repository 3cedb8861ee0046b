// STUB (replaced by its owner): the warm-up network's sender — identities flagged --warmup-network
// send each other warm-up mail on their ramp.
import type { MailDeps } from '../mailboxes/deps.js';

export interface RunningWarmupNetwork {
  wake(): void;
  stop(): Promise<void>;
}

export function startWarmupNetwork(_deps: MailDeps): RunningWarmupNetwork {
  return { wake: () => undefined, stop: async () => undefined };
}
