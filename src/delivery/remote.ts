// Remote delivery with per-destination and global connection limits: each destination (an MX host
// set or a relay) has a queue of jobs served by up to perDestination connections, each reused for
// up to messagesPerConnection transactions. After deadFailures failed connections in a row a
// destination pauses and its jobs wait without being tried (dead-destination backoff).
import type { ClientSession } from '../smtp/client/client.js';
import type { Outcome } from '../smtp/client/types.js';
import type { Logger } from '../util/log.js';
import type { SessionOpener, OpenedSession } from './connection-pool.js';
import type { AttemptInfo, DeliveryJob, JobRecipient, RecipientResult } from './job.js';
import { loopRefusal } from './loop.js';
import type { JobSigner } from './signing.js';
import type { RemoteRoute } from './route.js';

export interface RemoteLimits {
  global: number;
  perDestination: number;
  messagesPerConnection: number;
  recipientsPerTransaction: number;
  deadFailures: number;
  deadBackoffMs: number;
  maxReceivedHeaders: number;
}

interface Pending {
  job: DeliveryJob;
  route: RemoteRoute;
  resolve: (results: RecipientResult[]) => void;
}

interface Destination {
  key: string;
  /** Connections allowed: perDestination, or the provider's shaping rule for this route. */
  maxConnections: number;
  queue: Pending[];
  connections: number;
  failures: number;
  pausedUntil: number;
}

export class RemoteDelivery {
  private readonly destinations = new Map<string, Destination>();
  private connections = 0;

  constructor(
    private readonly opener: SessionOpener,
    private readonly limits: RemoteLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** DKIM-signs a job just before it is sent, so at most one job per connection waits on signing. */
    private readonly sign: JobSigner = async (job) => job,
    /** The MAIL FROM for direct (MX) delivery: a tagged return path (src/bounce/verp.ts) or the sender. */
    private readonly returnPath: (messageId: string, sender: string) => string = (_id, sender) => sender,
  ) {}

  /** Connections open now, in total. */
  get openConnections(): number {
    return this.connections;
  }

  deliver(route: RemoteRoute, job: DeliveryJob): Promise<RecipientResult[]> {
    const dest = this.destinationFor(route.key);
    dest.maxConnections = Math.min(this.limits.perDestination, route.limits?.connections ?? Infinity);
    if (dest.pausedUntil > this.now()) return Promise.resolve(pausedResults(job, dest, this.now(), route.via));
    return new Promise((resolve) => {
      dest.queue.push({ job, route, resolve });
      this.pump(dest);
    });
  }

  private destinationFor(key: string): Destination {
    let dest = this.destinations.get(key);
    if (!dest) {
      dest = { key, maxConnections: this.limits.perDestination, queue: [], connections: 0, failures: 0, pausedUntil: 0 };
      this.destinations.set(key, dest);
    }
    return dest;
  }

  /** Start connections while jobs outnumber them and the limits allow. */
  private pump(dest: Destination): void {
    while (dest.queue.length > dest.connections && dest.connections < dest.maxConnections && this.connections < this.limits.global) {
      dest.connections++;
      this.connections++;
      void this.work(dest).finally(() => {
        dest.connections--;
        this.connections--;
        this.pumpAll();
      });
    }
  }

  private pumpAll(): void {
    for (const [key, dest] of this.destinations) {
      if (dest.queue.length > 0) this.pump(dest);
      else if (dest.connections === 0 && dest.pausedUntil <= this.now()) this.destinations.delete(key);
    }
  }

  /** One connection's life: serve the destination's queue until it is empty. */
  private async work(dest: Destination): Promise<void> {
    let opened: OpenedSession | null = null;
    try {
      for (let item = dest.queue.shift(); item; item = dest.queue.shift()) {
        if (dest.pausedUntil > this.now()) { item.resolve(pausedResults(item.job, dest, this.now(), item.route.via)); continue; }
        const run = await this.runJob(dest, item, opened);
        opened = run.opened;
        item.resolve(run.results);
      }
    } catch (error) {
      this.log.error({ event: 'delivery-bug', err: error, destination: dest.key }, 'delivery worker failed');
    } finally {
      if (opened) await opened.session.quit();
    }
  }

  /** Deliver one job in transactions of recipientsPerTransaction, reopening the session when needed. */
  private async runJob(dest: Destination, item: Pending, opened: OpenedSession | null) {
    const results: RecipientResult[] = [];
    const loop = await loopRefusal(item.job, this.limits.maxReceivedHeaders);
    if (loop) {
      const attempt: AttemptInfo = { startedAt: this.now(), durationMs: 0, route: item.route.via };
      return { opened, results: item.job.recipients.map((r) => ({ idx: r.idx, outcome: loop, attempt })) };
    }
    const signed: Pending = { ...item, job: await this.sign(item.job) };
    const chunks = chunk(signed.job.recipients, this.limits.recipientsPerTransaction);
    for (const [i, recipients] of chunks.entries()) {
      const startedAt = this.now();
      const perConnection = Math.min(this.limits.messagesPerConnection, signed.route.limits?.messagesPerConnection ?? Infinity);
      if (!opened || !opened.session.usable || opened.session.transactions >= perConnection) {
        if (opened) await opened.session.quit();
        const attempt = await this.opener.open(signed.route);
        if (!attempt.ok) {
          this.connectFailed(dest, attempt.outcome);
          const info: AttemptInfo = { startedAt, durationMs: this.now() - startedAt, route: signed.route.via, ...(attempt.host ? { mx: attempt.host.name, ip: attempt.host.ip, port: attempt.host.port } : {}) };
          for (const rest of chunks.slice(i)) results.push(...rest.map((r) => ({ idx: r.idx, outcome: attempt.outcome, attempt: info })));
          return { opened: null, results };
        }
        dest.failures = 0;
        opened = attempt.opened;
      }
      results.push(...(await this.transaction(signed, opened, recipients, startedAt)));
    }
    return { opened, results };
  }

  private async transaction(item: Pending, opened: OpenedSession, recipients: JobRecipient[], startedAt: number): Promise<RecipientResult[]> {
    const { job } = item;
    const env = job.envelope;
    // Relays (smarthosts, transports) keep the sender: providers only accept their account's addresses.
    const sender = item.route.via === 'mx' ? this.returnPath(job.messageId, env.sender) : env.sender;
    const result = await opened.session.send({
      sender,
      recipients: recipients.map((r) => ({ address: r.address, ...(r.notify ? { notify: r.notify } : {}), ...(r.orcpt ? { orcpt: r.orcpt } : {}) })),
      size: job.size,
      body: job.body,
      ...(job.data ? { data: job.data() } : {}),
      bodyType: env.body,
      smtputf8: env.smtputf8,
      ...(env.ret ? { ret: env.ret } : {}),
      ...(env.envid ? { envid: env.envid } : {}),
    });
    const info = attemptInfo(item.route, opened, startedAt, this.now());
    return recipients.map((r, i) => ({ idx: r.idx, outcome: result.recipients[i] ?? lost(), attempt: info }));
  }

  private connectFailed(dest: Destination, outcome: Outcome): void {
    dest.failures++;
    if (dest.failures < this.limits.deadFailures) return;
    dest.pausedUntil = this.now() + this.limits.deadBackoffMs;
    dest.failures = 0;
    this.log.warn({ event: 'destination-paused', destination: dest.key, until: new Date(dest.pausedUntil).toISOString(), reason: outcome.text }, 'destination is not answering; its queue waits');
    for (const waiting of dest.queue.splice(0)) waiting.resolve(pausedResults(waiting.job, dest, this.now(), waiting.route.via));
  }
}

function attemptInfo(route: RemoteRoute, opened: OpenedSession, startedAt: number, now: number): AttemptInfo {
  const { info } = opened.session as ClientSession;
  return {
    startedAt,
    durationMs: now - startedAt,
    route: route.via,
    mx: opened.host.name,
    ip: opened.host.ip,
    port: opened.host.port,
    localIp: info.localAddress,
    ...(info.tls ? { tls: info.tls.protocol } : {}),
    peerDsn: info.extensions.has('DSN'),
  };
}

/** Results for a paused destination: not tried, due again when the pause ends (the text carries the hint). */
function pausedResults(job: DeliveryJob, dest: Destination, now: number, via: RemoteRoute['via']): RecipientResult[] {
  const seconds = Math.max(1, Math.ceil((dest.pausedUntil - now) / 1000));
  const text = `destination ${dest.key} is not answering after repeated connection failures; retry in ${seconds} seconds`;
  const outcome: Outcome = { code: 451, enhanced: '4.4.1', text, remote: false, phase: 'connect' };
  return job.recipients.map((r) => ({ idx: r.idx, outcome, attempt: { startedAt: now, durationMs: 0, route: via, skipped: true } }));
}

function lost(): Outcome {
  return { code: 451, enhanced: '4.3.0', text: 'no result for this recipient', remote: false, phase: 'rcpt' };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
