// Composition of the mailbox side of `petrel serve`: the handlers every new message goes through (in
// this order: warm-up network, placement tests, the unified inbox), the warm-up network's sender and
// the watcher (cluster mode: of the mailboxes whose lease this node holds). With mailboxes.enabled
// false nothing connects; the warm-up sender still runs.
import { acquireLeases, releaseLeases } from '../cluster/leases.js';
import type { ClusterNode } from '../cluster/node.js';
import { inboxHandler } from '../inbox/handler.js';
import type { MailDeps } from '../mailboxes/deps.js';
import { startMailboxService, type MailboxLeases } from '../mailboxes/service.js';
import { placementHandler } from '../placement/handler.js';
import { warmupHandler } from '../warmup-network/handler.js';
import { startWarmupNetwork } from '../warmup-network/service.js';

export interface RunningMailboxSide {
  /** An identity changed: reconnect or start watching its mailbox, and let warm-up see it. */
  wake(): void;
  stop(): Promise<void>;
}

export function startMailboxes(deps: MailDeps, cluster: ClusterNode | null = null): RunningMailboxSide {
  const handlers = [warmupHandler(deps), placementHandler(deps), inboxHandler(deps)];
  const warmup = startWarmupNetwork(deps);
  const leases = cluster ? mailboxLeases(cluster, deps.config.node.deadAfterSeconds) : null;
  const watcher = deps.config.mailboxes.enabled ? startMailboxService(deps, handlers, leases) : null;
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

const PREFIX = 'mailbox:';

/** Leases `mailbox:<identity>` for the node's lifetime: renewed three times per time to live. */
function mailboxLeases(cluster: ClusterNode, ttlSeconds: number): MailboxLeases {
  return {
    acquire: async (identities) => {
      const held = await acquireLeases(cluster.shared, identities.map((i) => PREFIX + i), cluster.name, ttlSeconds);
      return new Set([...held].map((name) => name.slice(PREFIX.length)));
    },
    release: () => releaseLeases(cluster.shared, cluster.name, PREFIX),
    renewMs: Math.floor((ttlSeconds * 1000) / 3),
  };
}
