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

export interface RunningDelivery {
  scheduler: Scheduler;
  dsn: DsnService;
  close(): Promise<void>;
}

/** Start delivery; `db` is the main connection, the scheduler opens its own (synchronous NORMAL). */
export function startDelivery(config: PetrelConfig, db: Db, queue: QueueWriter, directory: StoreDirectory, returnPaths: ReturnPaths, log: Logger, metrics?: Metrics): RunningDelivery {
  const d = config.delivery;
  const schedulerDb = openDatabase(db.name, { synchronous: 'NORMAL' });
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
  }, log, Date.now, jobSigner(new DkimSigner(db, config.dataDir), log), (id, sender) => returnPaths.for(id, sender));
  const deliver = createDeliverer({ router, local: new LocalDelivery(directory, queue, d.maxReceivedHeaders), remote, log });
  const dsn = new DsnService({ db, store, queue, hostname: config.hostname, maxLifetimeMs: d.retry.maxLifetimeSeconds * 1000, log });
  const scheduler = new Scheduler({
    store, deliver, retry: d.retry, delayWarningMs: d.delayWarningSeconds * 1000, readySetSize: c.readySetSize,
    pollIntervalMs: d.pollIntervalMs, log, onDsnPending: () => void dsn.wake(), ...(metrics ? { onResult: metrics.deliveryResult } : {}),
  });
  if (d.enabled) {
    scheduler.start();
    void dsn.wake();
  }
  // A rotated DKIM key takes over by itself once DNS shows it (`petrel dkim activate` does it at once).
  const activator = new DkimActivator({ db, resolver, retireDays: config.dkim.retireDays, log });
  activator.start();
  return {
    scheduler,
    dsn,
    close: async () => {
      activator.stop();
      await scheduler.close();
      schedulerDb.close();
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
