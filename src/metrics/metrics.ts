// Petrel's Prometheus metrics: one object holding a registry and the hooks the SMTP listeners, queue
// writer, scheduler, resolver and HTTP server call (one counter or histogram update per event).
// Gauges of the queue, webhooks, identities and shaping actions are read at scrape time; a failing
// read fails that scrape only.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Classification } from '../bounce/classes.js';
import type { RecipientResult } from '../delivery/job.js';
import type { RecipientUpdate, StoredMessage } from '../queue/delivery-store.js';
import type { Direction } from '../queue/message-rows.js';
import type { Envelope, ListenerRole } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Clock } from '../util/clock.js';
import type { EndpointBacklog } from '../webhooks/dispatcher.js';
import { watchCampaigns } from './campaign-gauges.js';
import { watchIdentities } from './identity-gauges.js';
import { outcomeOf, providerOf, senderLabel } from './labels.js';

export interface MetricsOptions {
  /** Sending domains get their own label value; every other domain is "other". */
  isSendingDomain: (domain: string) => boolean;
  registry?: Registry;
  /** Process metrics (CPU, memory, event loop, GC) with the petrel_ prefix; default true. */
  processMetrics?: boolean;
}

/** Waiting states always shown, so a graph reads 0 rather than nothing when the queue is empty. */
const WAITING_STATES = ['queued', 'deferred', 'throttled', 'active', 'held'];
/** One second to one day: delivery latency from acceptance to the final 2xx. */
const LATENCY_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200, 86_400];
const DNS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The sending-domain decision is cached this long, so a per-recipient label costs no query. */
const DOMAIN_CACHE_MS = 30_000;
const DOMAIN_CACHE_MAX = 1000;

/**
 * @example const metrics = new Metrics({ isSendingDomain: (d) => directory.isSendingDomain(d) });
 *          metrics.watchQueue(db); const text = await metrics.registry.metrics();
 */
export class Metrics {
  readonly registry: Registry;
  private readonly isSendingDomain: (domain: string) => boolean;
  private readonly domainCache = new Map<string, boolean>();
  private domainCacheAt = 0;
  private readonly connections: Counter<'role'>;
  private readonly sessions: Gauge<'role'>;
  private readonly accepted: Counter<'direction' | 'sending_domain'>;
  private readonly recipients: Counter<'outcome' | 'sending_domain'>;
  private readonly replies: Counter<'class' | 'provider'>;
  private readonly latency: Histogram;
  private readonly dns: Histogram<'type'>;
  private readonly http: Counter<'method' | 'route' | 'status'>;

  constructor(opts: MetricsOptions) {
    this.registry = opts.registry ?? new Registry();
    this.isSendingDomain = opts.isSendingDomain;
    const registers = [this.registry];
    this.connections = new Counter({ name: 'petrel_smtp_connections_total', help: 'SMTP connections accepted (within the connection limits), by listener role', labelNames: ['role'], registers });
    this.sessions = new Gauge({ name: 'petrel_smtp_sessions', help: 'SMTP sessions open now, by listener role', labelNames: ['role'], registers });
    this.accepted = new Counter({ name: 'petrel_messages_accepted_total', help: 'Messages durably queued, by direction and (outbound) sending domain', labelNames: ['direction', 'sending_domain'], registers });
    this.recipients = new Counter({ name: 'petrel_recipients_total', help: 'Delivery results per recipient: delivered, deferred, bounced or expired, by sending domain', labelNames: ['outcome', 'sending_domain'], registers });
    this.replies = new Counter({ name: 'petrel_delivery_replies_total', help: 'Delivery attempts by the class of their reply and the destination provider', labelNames: ['class', 'provider'], registers });
    this.latency = new Histogram({ name: 'petrel_delivery_latency_seconds', help: 'From acceptance to final delivery of a recipient', buckets: LATENCY_BUCKETS, registers });
    this.dns = new Histogram({ name: 'petrel_dns_lookup_seconds', help: 'DNS lookups sent to the servers (cache misses), by record type', labelNames: ['type'], buckets: DNS_BUCKETS, registers });
    this.http = new Counter({ name: 'petrel_http_requests_total', help: 'HTTP API requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'petrel_' });
  }

  /** For the SMTP listeners (ServerDeps.metrics). */
  readonly smtp = {
    opened: (role: ListenerRole): void => {
      this.connections.inc({ role });
      this.sessions.inc({ role });
    },
    closed: (role: ListenerRole): void => {
      this.sessions.dec({ role });
    },
  };

  /** For the queue writer: a message is durable. */
  readonly messageAccepted = (envelope: Envelope, direction: Direction): void => {
    this.accepted.inc({ direction, sending_domain: direction === 'outbound' ? this.domainLabel(envelope.sender) : '' });
  };

  /** For the scheduler: one recipient's result, as recorded. */
  readonly deliveryResult = (result: RecipientResult, update: RecipientUpdate, classification: Classification, message: StoredMessage): void => {
    if (result.attempt.skipped) return; // a paused destination: nothing was tried
    const outcome = outcomeOf(update.state);
    this.recipients.inc({ outcome, sending_domain: this.domainLabel(message.envelope.sender) });
    this.replies.inc({ class: classification.class, provider: providerOf(result.attempt.route, result.attempt.mx) });
    if (outcome === 'delivered') this.latency.observe(Math.max(0, update.at - message.receivedAt) / 1000);
  };

  /** For the resolver: a lookup that went to the servers took `seconds`. */
  readonly dnsLookup = (type: string, seconds: number): void => {
    this.dns.observe({ type }, seconds);
  };

  /** For the HTTP server: `route` is the pattern (/v1/messages/:id), never the raw URL. */
  httpRequest(method: string, route: string, status: number): void {
    this.http.inc({ method, route, status: String(status) });
  }

  /** Recipients by state, counted at scrape time with one GROUP BY over the (state, ...) index. */
  watchQueue(db: Db): void {
    const count = db.prepare('SELECT state, count(*) AS n FROM recipients GROUP BY state');
    new Gauge({
      name: 'petrel_queue_recipients', help: 'Recipients by state (read from the database at scrape time)', labelNames: ['state'], registers: [this.registry],
      collect() {
        this.reset();
        for (const state of WAITING_STATES) this.set({ state }, 0);
        for (const row of count.all() as Array<{ state: string; n: number }>) this.set({ state: row.state }, row.n);
      },
    });
  }

  /** Events waiting per webhook endpoint, asked of the dispatcher at scrape time. */
  watchWebhooks(backlog: () => EndpointBacklog[]): void {
    new Gauge({
      name: 'petrel_webhook_backlog_events', help: 'Events not yet delivered to each webhook endpoint', labelNames: ['endpoint'], registers: [this.registry],
      collect() {
        this.reset();
        for (const e of backlog()) this.set({ endpoint: e.id }, e.backlog);
      },
    });
  }

  /** Identities (sent today, cap today, paused) and shaping actions by rule, read at scrape time (identity-gauges.ts). */
  watchIdentities(db: Db, clock: Clock): void {
    watchIdentities(this.registry, db, clock);
  }

  /** Campaigns by state, their contacts by state and sends by step, read at scrape time (campaign-gauges.ts). */
  watchCampaigns(db: Db): void {
    watchCampaigns(this.registry, db);
  }

  /** Cluster mode: campaign step claims by result (claimed, taken, busy, moved, capped, released, reconciled). */
  watchClaims(counts: { byResult: ReadonlyMap<string, number> }): void {
    new Gauge({
      name: 'petrel_campaign_claims_total', help: 'Campaign step claims in PostgreSQL by result, since this node started', labelNames: ['result'], registers: [this.registry],
      collect() {
        this.reset();
        for (const [result, n] of counts.byResult) this.set({ result }, n);
      },
    });
  }

  /** A metric must never fail the delivery or acceptance it counts: a failing lookup labels "other". */
  private sendingDomainOrFalse(domain: string): boolean {
    try {
      return this.isSendingDomain(domain);
    } catch {
      return false;
    }
  }

  private domainLabel(sender: string): string {
    const now = Date.now();
    if (now - this.domainCacheAt > DOMAIN_CACHE_MS || this.domainCache.size >= DOMAIN_CACHE_MAX) {
      this.domainCache.clear();
      this.domainCacheAt = now;
    }
    return senderLabel(sender, (domain) => {
      let known = this.domainCache.get(domain);
      if (known === undefined) this.domainCache.set(domain, (known = this.sendingDomainOrFalse(domain)));
      return known;
    });
  }
}
