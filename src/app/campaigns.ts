// Composition of the campaign engine for `petrel serve`: unsubscribe tokens from the data dir's key,
// the public addresses of one-click and mailto unsubscribes, the engine's loop, and what the MX and
// the HTTP API need of it. The engine runs only with campaigns.enabled; unsubscribes work either way.
import { CampaignEngine } from '../campaigns/engine.js';
import { tokenOfAddress, UnsubscribeTokens } from '../campaigns/unsubscribe-token.js';
import type { PetrelConfig } from '../config/schema.js';
import type { QueueWriter } from '../queue/writer.js';
import type { Db } from '../store/db.js';
import { processClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { ContactStops } from '../campaigns/stops.js';
import type { ClusterNode } from '../cluster/node.js';
import { PgStepClaims, type ClaimCounts } from '../cluster/claims.js';

export interface CampaignsDeps {
  config: PetrelConfig;
  db: Db;
  queue: QueueWriter;
  secretKey: Buffer;
  log: Logger;
  isLocalDomain(domain: string): boolean;
  wakeDelivery(): void;
  /** The HTTP server's port once it listens (the default unsubscribe URL names it). */
  httpPort(): number | null;
  /** Cluster mode: steps are claimed in PostgreSQL before they are queued. */
  cluster?: ClusterNode | null;
}

export interface RunningCampaigns {
  /** Take mail for unsub+TOKEN@ (a valid token) at the unsubscribe domain or any local domain. */
  acceptsAddress(address: string): boolean;
  wake(): void;
  stop(): Promise<void>;
  api: { tokens: UnsubscribeTokens; stops: ContactStops; wake(): void; clock: Clock };
  /** Cluster mode: claim attempts by result (null on a single node). */
  claimCounts: ClaimCounts | null;
}

/** The base URL of one-click links: campaigns.publicUrl, else Petrel's own HTTP listener. */
export function unsubscribeBaseUrl(config: PetrelConfig, port: number | null): string {
  if (config.campaigns.publicUrl) return config.campaigns.publicUrl;
  const host = config.http.address.includes(':') ? `[${config.http.address}]` : config.http.address;
  return `http://${host}:${port ?? config.http.port}`;
}

export function unsubscribeDomain(config: PetrelConfig): string {
  return config.campaigns.unsubscribeDomain ?? config.hostname;
}

export function startCampaigns(deps: CampaignsDeps): RunningCampaigns {
  const { config, db, log } = deps;
  const tokens = new UnsubscribeTokens(deps.secretKey);
  const clock = processClock();
  const domain = unsubscribeDomain(config);
  // Reconciles this node's claims left by a crash before its first new claim (src/cluster/claims.ts).
  const claims = deps.cluster ? new PgStepClaims(deps.cluster.shared, deps.cluster.name, db, log) : null;
  const engine = new CampaignEngine({
    db, queue: deps.queue, hostname: config.hostname, tokens, log, dataDir: config.dataDir, clock,
    tickMs: config.campaigns.tickMs, batch: config.campaigns.batch, unsubscribeScope: config.campaigns.unsubscribeScope,
    autoReplyPauseDays: config.mailboxes.autoReplyPauseDays,
    unsubscribe: { baseUrl: () => unsubscribeBaseUrl(config, deps.httpPort()), domain },
    onQueued: deps.wakeDelivery, claims,
  });
  if (config.campaigns.enabled) engine.start();
  const wake = () => void engine.wake();
  return {
    acceptsAddress: (address) => {
      const token = tokenOfAddress(address);
      if (token === null || tokens.verify(token) === null) return false;
      const at = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      return at === domain.toLowerCase() || deps.isLocalDomain(at);
    },
    wake: () => {
      if (config.campaigns.enabled) wake();
    },
    stop: () => engine.stop(),
    api: { tokens, stops: engine.contactStops, wake, clock },
    claimCounts: claims?.counts ?? null,
  };
}
