// The composition root of `petrel serve`: opens storage, recovers the spool, loads TLS, and starts
// every configured listener. A failure before all listeners are up closes what was opened and throws.

import { existsSync } from 'node:fs';
import { MailauthInbound } from '../auth/inbound.js';
import { mailauthResolver } from '../auth/mailauth-resolver.js';
import type { PetrelConfig } from '../config/schema.js';
import { DnsResolver } from '../dns/resolver.js';
import { recoverSpool } from '../queue/recovery.js';
import { QueueWriter } from '../queue/writer.js';
import { AuthFailureLimiter } from '../smtp/server/auth-limiter.js';
import { ConnectionCounter, SmtpListener, type ListenerSpec, type ServerDeps } from '../smtp/server/listener.js';
import { StoreAuthenticator } from '../store/credentials.js';
import { openDatabase, type Db } from '../store/db.js';
import { StoreDirectory } from '../store/directory.js';
import { databasePath, secretKeyPath } from '../store/paths.js';
import { loadOrCreateSecretKey } from '../store/seal.js';
import { ReportService } from '../bounce/report-service.js';
import { ReturnPaths } from '../bounce/verp.js';
import { CertificateStore } from '../tls/certificates.js';
import type { Server as HttpsServer } from 'node:https';
import { startMtaStsServer } from '../auth/mta-sts-server.js';
import { startDelivery, type RunningDelivery } from './delivery.js';
import type { Logger } from '../util/log.js';
import { packageVersion } from '../util/version.js';
import { processClock } from '../util/clock.js';
import { ApiKeys } from '../api/keys.js';
import { startHttp, type RunningHttp } from '../api/server.js';
import { checkWebhookSecrets } from '../webhooks/config-endpoints.js';
import { startWebhooks } from '../webhooks/service.js';
import { Metrics } from '../metrics/metrics.js';
import { startCampaigns, type RunningCampaigns } from './campaigns.js';
import { startMailboxes, type RunningMailboxSide } from './mailboxes.js';
import { joinCluster } from './cluster.js';
import { defaultApiUrl } from '../cluster/forward.js';
import type { ClusterNode } from '../cluster/node.js';
import { SharedCapCounter } from '../cluster/caps.js';

export interface RunningServer {
  listeners: SmtpListener[];
  /** The HTTP API's port, or null when http.enabled is false. */
  httpPort(): number | null;
  delivery: RunningDelivery;
  close(): Promise<void>;
}

export async function serve(config: PetrelConfig, log: Logger): Promise<RunningServer> {
  checkWebhookSecrets(config);
  const dbFile = databasePath(config);
  const created = !existsSync(dbFile);
  const db = openDatabase(dbFile);
  const secretKey = loadOrCreateSecretKey(secretKeyPath(config));
  const cluster = await joinCluster(config, db, secretKey, log, 'serve').catch((err: unknown) => {
    db.close();
    throw err;
  });
  const recovered = recoverSpool(db, config.dataDir);
  log.info({ event: 'startup', dataDir: config.dataDir, database: dbFile, created, ...recovered },
    created ? 'created the database and its schema' : 'storage ready');
  if (cluster) log.info({ event: 'cluster', node: cluster.name, slot: cluster.slot }, 'cluster mode: shared state in PostgreSQL');
  const certificates = await CertificateStore.load({ tls: config.tls, hostname: config.hostname, dataDir: config.dataDir, log });
  if (certificates.selfSignedNote) log.warn({ event: 'tls-self-signed' }, certificates.selfSignedNote);
  certificates.watch();
  let afterCommit = () => {};
  const metrics = new Metrics({ isSendingDomain: (domain) => directory.isSendingDomain(domain) });
  metrics.watchQueue(db);
  metrics.watchIdentities(db, processClock());
  metrics.watchCampaigns(db);
  const queue = new QueueWriter(db, config.dataDir, { memoryBodyLimit: config.queue.memoryBodyLimit, onCommit: () => afterCommit(), onAccepted: metrics.messageAccepted, clusterSlot: cluster?.slot });
  const returnPaths = new ReturnPaths(secretKey, {
    mode: config.bounces.returnPath,
    domain: config.bounces.domain,
    isLocalDomain: (name: string): boolean => directory.isLocalDomain(name),
  });
  let campaigns: RunningCampaigns | null = null;
  const directory = new StoreDirectory(db, {
    returnPathMessage: (address: string): string | null => returnPaths.messageIdOf(address),
    refuseSuppressed: config.suppression.mode === 'refuse',
    acceptsAddress: (address: string): boolean => campaigns?.acceptsAddress(address) ?? false,
  });
  const deps = serverDeps(config, db, directory, queue, certificates, log, metrics);
  const listeners = config.listeners.map((l) => new SmtpListener(listenerSpec(config, l), deps));
  const delivery = startDelivery(config, db, queue, directory, returnPaths, log, metrics,
    cluster ? { prepare: (conn) => cluster.prepare(conn), caps: new SharedCapCounter(cluster.shared, log) } : undefined);
  const reports = new ReportService({ db, dataDir: config.dataDir, returnPaths, scanMailboxes: config.bounces.scanMailboxes, log });
  reports.start();
  const webhooks = startWebhooks(config, db, log, process.env, cluster);
  metrics.watchWebhooks(() => webhooks.backlog());
  // A commit may mean due mail, a report to read, and 'accepted' events for the webhooks. One group
  // commit acknowledges many messages at once: wake them once for all (webhooks.wake() runs a query).
  let wakeQueued = false;
  afterCommit = () => {
    if (wakeQueued) return;
    wakeQueued = true;
    setImmediate(() => {
      wakeQueued = false;
      delivery.scheduler.wake();
      void reports.wake();
      void webhooks.wake();
      campaigns?.wake();
      cluster?.wakeShip();
    });
  };
  let mtaSts: HttpsServer | null = null;
  let http: RunningHttp | null = null;
  campaigns = startCampaigns({ config, db, queue, secretKey, log, isLocalDomain: (d) => directory.isLocalDomain(d), wakeDelivery: () => delivery.scheduler.wake(), httpPort: () => http?.port ?? null, cluster });
  if (campaigns.claimCounts) metrics.watchClaims(campaigns.claimCounts);
  const mailboxes: RunningMailboxSide = startMailboxes({
    db, config, log, clock: processClock(), secretKey, queue,
    wakeDelivery: () => delivery.scheduler.wake(), wakeCampaigns: () => campaigns?.wake(),
  }, cluster);
  cluster?.onApplied(() => {
    // Another node changed shared state: identities, shaping, suppressions and mailboxes are re-read.
    delivery.gate.invalidate();
    delivery.scheduler.wake();
    mailboxes.wake();
    campaigns?.wake();
  });
  cluster?.start();
  const close = async () => {
    if (http) await http.close();
    if (mtaSts) await new Promise((resolve) => mtaSts!.close(resolve));
    await mailboxes.stop();
    await webhooks.stop();
    await reports.stop();
    await campaigns?.stop();
    await shutdown(listeners, delivery, queue, certificates, db, cluster);
  };
  try {
    await Promise.all(listeners.map((l) => l.listen()));
    const m = config.mtaStsServer;
    if (m.enabled) {
      mtaSts = await startMtaStsServer({ address: m.address, port: m.port, hostname: config.hostname, tlsOptions: () => certificates.serverOptions(), isSendingDomain: (d) => directory.isSendingDomain(d), log });
    }
    if (config.http.enabled) {
      const ctx = { config, db, queue, directory, keys: new ApiKeys(db), log, version: packageVersion(),
        wakeDelivery: () => {
          delivery.gate.invalidate(); // an identity or shaping change is seen by the next job, not a second later
          delivery.scheduler.wake();
          mailboxes.wake(); // an identity's IMAP side may have changed
        },
        ready: () => listeners.every((l) => l.port > 0), campaigns: campaigns.api, cluster };
      http = await startHttp(ctx, metrics);
      if (cluster && !cluster.self.apiUrl) cluster.self.apiUrl = defaultApiUrl(config, http.port);
    }
  } catch (err) {
    await close();
    throw err;
  }
  for (const l of listeners) log.info({ event: 'listening', listener: l.spec.name, role: l.spec.role, address: l.spec.address, port: l.port }, 'listening');
  if (!config.delivery.enabled) log.warn({ event: 'delivery-disabled' }, 'delivery is disabled (delivery.enabled: false): mail is queued, not sent');
  return { listeners, delivery, close, httpPort: () => http?.port ?? null };
}

function serverDeps(config: PetrelConfig, db: Db, directory: StoreDirectory, queue: QueueWriter, certs: CertificateStore, log: Logger, metrics: Metrics): ServerDeps {
  const { limits, auth } = config;
  const authenticator = new StoreAuthenticator(db, config.dataDir, auth);
  return {
    hostname: config.hostname,
    directory,
    authenticator,
    sink: queue,
    inbound: inboundChecks(config, metrics),
    tlsOptions: () => certs.serverOptions(),
    limits: {
      maxLineLength: limits.maxLineLength,
      maxRecipients: limits.maxRecipients,
      maxMessageSize: limits.maxMessageSize,
      maxErrors: limits.maxErrors,
      maxConnections: limits.maxConnections,
      commandTimeoutMs: limits.commandTimeoutSeconds * 1000,
      dataTimeoutMs: limits.dataTimeoutSeconds * 1000,
    },
    auth: {
      mechanisms: auth.mechanisms.filter((m) => m !== 'CRAM-MD5' || authenticator.cramMd5Enabled),
      maxFailures: auth.maxFailures,
      failureDelayMs: auth.failureDelayMs,
    },
    authLimiter: new AuthFailureLimiter(auth.maxFailuresPerIp, auth.failureWindowSeconds * 1000),
    connections: new ConnectionCounter(),
    metrics: metrics.smtp,
    log,
  };
}

/** SPF/DKIM/DMARC for the MX role, as `inbound` configures them; null when turned off. */
function inboundChecks(config: PetrelConfig, metrics: Metrics): MailauthInbound | null {
  const { inbound } = config;
  if (!inbound.checks) return null;
  const policy = { authservId: inbound.authservId ?? config.hostname, rejectDmarc: inbound.rejectDmarc, rejectSpfFail: inbound.rejectSpfFail };
  return new MailauthInbound(policy, mailauthResolver(DnsResolver.fromConfig(config.dns, metrics.dnsLookup)));
}

function listenerSpec(config: PetrelConfig, l: PetrelConfig['listeners'][number]): ListenerSpec {
  return {
    name: l.name,
    address: l.address,
    port: l.port,
    role: l.role,
    greetingDelayMs: l.greetingDelayMs,
    normalizeBareLf: l.normalizeBareLf,
    maxConnections: l.maxConnections ?? config.limits.maxConnections,
    maxConnectionsPerIp: l.maxConnectionsPerIp ?? config.limits.maxConnectionsPerIp,
  };
}

async function shutdown(listeners: SmtpListener[], delivery: RunningDelivery, queue: QueueWriter, certs: CertificateStore, db: Db, cluster: ClusterNode | null): Promise<void> {
  await Promise.all(listeners.map((l) => l.close()));
  await delivery.close();
  await queue.close();
  certs.close();
  await cluster?.close(); // ships what the last moments wrote, when PostgreSQL is there
  db.close();
}
