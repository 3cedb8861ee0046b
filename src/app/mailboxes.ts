// Composition of the mailbox side of `petrel serve`: the handlers every new message goes through (in
// this order: warm-up network, placement tests, the unified inbox), the warm-up network's sender and
// the watcher. With mailboxes.enabled false nothing connects; the warm-up sender still runs.
import { inboxHandler } from '../inbox/handler.js';
import type { MailDeps } from '../mailboxes/deps.js';
import { startMailboxService } from '../mailboxes/service.js';
import { placementHandler } from '../placement/handler.js';
import { warmupHandler } from '../warmup-network/handler.js';
import { startWarmupNetwork } from '../warmup-network/service.js';

export interface RunningMailboxSide {
  /** An identity changed: reconnect or start watching its mailbox, and let warm-up see it. */
  wake(): void;
  stop(): Promise<void>;
}

export function startMailboxes(deps: MailDeps): RunningMailboxSide {
  const handlers = [warmupHandler(deps), placementHandler(deps), inboxHandler(deps)];
  const warmup = startWarmupNetwork(deps);
  const watcher = deps.config.mailboxes.enabled ? startMailboxService(deps, handlers) : null;
  if (!watcher) deps.log.info({ event: 'mailboxes-disabled' }, 'mailboxes are not watched (mailboxes.enabled: false)');
  return {
    wake: () => {
      watcher?.wake();
      warmup.wake();
    },
    stop: async () => {
      await watcher?.stop();
      await warmup.stop();
    },
  };
}
