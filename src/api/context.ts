// What route modules get from `petrel serve`: storage, the queue writer, config and a few hooks.
// One object so a new route module needs no change to the server.
import type { PetrelConfig } from '../config/schema.js';
import type { QueueWriter } from '../queue/writer.js';
import type { Db } from '../store/db.js';
import type { StoreDirectory } from '../store/directory.js';
import type { Logger } from '../util/log.js';
import type { ApiKeys } from './keys.js';
import type { ContactStops } from '../campaigns/stops.js';
import type { UnsubscribeTokens } from '../campaigns/unsubscribe-token.js';
import type { Clock } from '../util/clock.js';

import type { ClusterNode } from '../cluster/node.js';

export interface ApiContext {
  config: PetrelConfig;
  db: Db;
  queue: QueueWriter;
  directory: StoreDirectory;
  keys: ApiKeys;
  log: Logger;
  version: string;
  /** Look for due mail now, with identities and shaping actions re-read (after a queue or identity action). */
  wakeDelivery(): void;
  /** Listeners up and storage answering (for /readyz). */
  ready(): boolean;
  /** The campaign engine's parts the API uses: unsubscribe links, stops, a wake-up after changes. */
  campaigns?: { tokens: UnsubscribeTokens; stops: ContactStops; wake(): void; clock: Clock };
  /** Cluster mode (docs/cluster.md): the node's view of PostgreSQL and the other nodes; null alone. */
  cluster?: ClusterNode | null;
}
