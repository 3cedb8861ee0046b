// Composes outbound delivery for `petrel serve`: resolver, router (MTA-STS, transports, smarthost),
// local and remote delivery, the scheduler on its own database connection, and the DSN service.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { PetrelConfig } from '../config/schema.js';
import { DkimActivator } from '../auth/dkim-activation.js';
import { DkimSigner } from '../auth/dkim-sign.js';
import { DsnService } from '../bounce/dsn-service.js';
import type { ReturnPaths } from '../bounce/verp.js';
import { SessionOpener } from '../delivery/connection-pool.js';
import { createDeliverer } from '../delivery/deliverer.js';
import { LocalDelivery } from '../delivery/local.js';
import { httpsPolicyFetcher } from '../delivery/mta-sts-fetch.js';
import { MtaStsPolicies } from '../delivery/mta-sts.js';
import { RemoteDelivery } from '../delivery/remote.js';
import { Router } from '../delivery/router.js';
import { jobSigner } from '../delivery/signing.js';
import { recordTlsSession, type TlsSession } from '../delivery/tls-report.js';
import { DnsResolver } from '../dns/resolver.js';
import { DeliveryStore } from '../queue/delivery-store.js';
import { Scheduler } from '../queue/scheduler.js';
import type { QueueWriter } from '../queue/writer.js';
import type { ClientTimeouts } from '../smtp/client/types.js';
import { openDatabase, type Db } from '../store/db.js';
import type { StoreDirectory } from '../store/directory.js';
import type { Logger } from '../util/log.js';
import type { Metrics } from '../metrics/metrics.js';
import { contextFromConfig } from '../auth/health/context.js';
import { EventStore } from '../events/store.js';
import { RelayCredentials } from '../identities/relay-auth.js';
import { IdentityStore } from '../identities/store.js';
import { ShapingActionStore } from '../pacing/actions.js';
import type { SharedCaps } from '../pacing/cluster-caps.js';
import { SendGate } from '../pacing/gate.js';
import { IdentityDelivery } from '../pacing/identity-delivery.js';
import { Reactions } from '../pacing/reactions.js';
import type { ShapingPort } from '../pacing/shaping-port.js';
import { BlocklistWatch } from '../reputation/blocklist-watch.js';
import { ReputationMonitor } from '../reputation/monitor.js';
import { secretKeyPath } from '../store/paths.js';
import { loadOrCreateSecretKey } from '../store/seal.js';
import { processClock, type Clock } from '../util/clock.js';
import { shapingPort } from './shaping.js';

export interface RunningDelivery {
  scheduler: Scheduler;
  dsn: DsnService;
  gate: SendGate;
  close(): Promise<void>;
}

/** What delivery needs of the cluster in cluster mode. */
export interface DeliveryCluster {
  /** Ship the writes of a connection to shared tables (the scheduler's own connection). */
  prepare(db: Db): void;
  /** The daily counters identity caps are summed in over the nodes. */
  caps: SharedCaps;
}

/** Start delivery; `db` is the main connection, the scheduler opens its own (synchronous NORMAL). */
export function startDelivery(config: PetrelConfig, db: Db, queue: QueueWriter, directory: StoreDirectory, returnPaths: ReturnPaths, log: Logger, metrics?: Metrics, cluster?: DeliveryCluster): RunningDelivery {
  const d = config.delivery;
  const clock = processClock();
  const schedulerDb = openDatabase(db.name, { synchronous: 'NORMAL' });
  cluster?.prepare(schedulerDb); // the scheduler's writes to shared tables are shipped too
  const store = new DeliveryStore(schedulerDb, config.dataDir);
  const resolver = DnsResolver.fromConfig(config.dns, metrics?.dnsLookup);
  const ca = d.tls.caFiles.map((file) => readFileSync(file, 'utf8'));
  const mtaSts = d.mtaSts.enabled
    ? new MtaStsPolicies({ resolver, db, log, fetch: httpsPolicyFetcher({ resolver, port: d.mtaSts.port, timeoutMs: d.mtaSts.fetchTimeoutMs, ca }) })
    : null;
  const recordTls = (s: TlsSession) => recordTlsSession(schedulerDb, s);
  const router = new Router({ config: d, resolver, isLocalDomain: (name) => directory.isLocalDomain(name), isSelf: selfTest(config), mtaSts, ca, recordTls });
  const helo = d.helo ?? config.hostname;
  const sources = d.sources.length > 0 ? d.sources.map((s) => ({ address: s.address, helo: s.helo ?? helo })) : [{ helo }];
  const opener = new SessionOpener({ sources, timeouts: timeoutsMs(d.timeouts), recordTls });
  const c = d.concurrency;
  const remote = new RemoteDelivery(opener, {
    global: c.global, perDestination: c.perDestination, messagesPerConnection: c.messagesPerConnection,
    recipientsPerTransaction: c.recipientsPerTransaction, deadFailures: d.deadDestinationFailures, deadBackoffMs: d.deadBackoffSeconds * 1000,
    maxReceivedHeaders: d.maxReceivedHeaders,
  }, log, clock, jobSigner(new DkimSigner(db, config.dataDir), log), (id, sender) => returnPaths.for(id, sender));
  const local = new LocalDelivery(directory, queue, d.maxReceivedHeaders);
  const plain = createDeliverer({ router, local, remote, log });
  const shaping = shapingPort(config);
  const sending = startSending({ config, db: schedulerDb, resolver, router, local, remote, plain, shaping, clock, log, helo, isLocalDomain: (name) => directory.isLocalDomain(name), sharedCaps: cluster?.caps });
  const deliver = sending.deliver;
  const dsn = new DsnService({ db, store, queue, hostname: config.hostname, maxLifetimeMs: d.retry.maxLifetimeSeconds * 1000, log });
  const scheduler = new Scheduler({
    store, deliver, retry: d.retry, delayWarningMs: d.delayWarningSeconds * 1000, readySetSize: c.readySetSize,
    pollIntervalMs: d.pollIntervalMs, log, now: clock, onDsnPending: () => void dsn.wake(), ...(metrics ? { onResult: metrics.deliveryResult } : {}),
  });
  if (d.enabled) {
    scheduler.start();
    void dsn.wake();
  }
  // A rotated DKIM key takes over by itself once DNS shows it (`petrel dkim activate` does it at once).
  const activator = new DkimActivator({ db, resolver, retireDays: config.dkim.retireDays, log });
  activator.start();
  if (d.enabled) sending.start();
  return {
    scheduler,
    dsn,
    gate: sending.gate,
    close: async () => {
      activator.stop();
      await sending.stop();
      await scheduler.close();
      schedulerDb.close();
    },
  };
}

interface SendingDeps {
  config: PetrelConfig;
  db: Db;
  resolver: DnsResolver;
  router: Router;
  local: LocalDelivery;
  remote: RemoteDelivery;
  plain: ReturnType<typeof createDeliverer>;
  shaping: ShapingPort;
  clock: Clock;
  log: Logger;
  helo: string;
  isLocalDomain: (domain: string) => boolean;
  sharedCaps: SharedCaps | undefined;
}

/** Identities, pacing and reputation (src/identities, src/pacing, src/reputation) around delivery. */
function startSending(s: SendingDeps) {
  const { config, db, clock, log } = s;
  const sending = config.sending;
  const store = new IdentityStore(db, loadOrCreateSecretKey(secretKeyPath(config)));
  const actions = new ShapingActionStore(db);
  const events = new EventStore(db);
  const gate = new SendGate(db, store, actions, {
    domainCaps: new Map(sending.domainCaps.map((c) => [c.domain, c])),
    sourceCaps: new Map(sending.sourceCaps.map((c) => [c.address, c])),
    timeZone: sending.timeZone, jitter: sending.jitter, pausedRecheckMs: sending.pausedRecheckSeconds * 1000,
  }, clock);
  const r = sending.reputation;
  const monitor = new ReputationMonitor({
    db, store, thresholds: r, intervalMs: r.checkIntervalSeconds * 1000, clock, log,
    onPause: () => gate.invalidate(), onSignal: (identity, reason) => reactions.holdRamp(identity, reason),
  });
  const reactions = new Reactions({ db, gate, actions, events, shaping: s.shaping, clock, log, poke: (name) => monitor.poke(name) });
  const heloOf = new Map(config.delivery.sources.map((src) => [src.address, src.helo ?? s.helo]));
  const delivery = new IdentityDelivery({
    gate, router: s.router, local: s.local, remote: s.remote, credentials: new RelayCredentials(store), shaping: s.shaping, reactions, events, clock,
    isLocalDomain: s.isLocalDomain, heloFor: (address) => heloOf.get(address) ?? s.helo, fallback: s.plain, sharedCaps: s.sharedCaps,
  });
  const watch = new BlocklistWatch({
    db, store, ctx: contextFromConfig(config, s.resolver), sharedSources: config.delivery.sources.map((src) => src.address),
    intervalMs: r.blocklistIntervalSeconds * 1000, clock, log, onPause: () => gate.invalidate(),
  });
  return {
    gate,
    deliver: delivery.deliver,
    start: () => {
      monitor.start();
      watch.start();
    },
    stop: async () => {
      monitor.stop();
      await watch.stop();
    },
  };
}

function timeoutsMs(seconds: PetrelConfig['delivery']['timeouts']): Partial<ClientTimeouts> {
  return Object.fromEntries(Object.entries(seconds).map(([phase, s]) => [phase, s * 1000]));
}

/** Our names and MX listener addresses: an MX host that is one of them would loop the mail back. */
function selfTest(config: PetrelConfig) {
  const names = new Set([config.hostname, config.delivery.helo, ...config.delivery.sources.map((s) => s.helo)].filter(Boolean).map((n) => n!.toLowerCase()));
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const mx = config.listeners.filter((l) => l.role === 'mx');
  return (host: { name?: string; ip?: string; port?: number }): boolean => {
    if (host.name !== undefined) return names.has(host.name.toLowerCase());
    return mx.some((l) => l.port === host.port && (l.address === host.ip || (isWildcard(l.address) && local.has(host.ip ?? ''))));
  };
}

const isWildcard = (address: string) => address === '0.0.0.0' || address === '::';
