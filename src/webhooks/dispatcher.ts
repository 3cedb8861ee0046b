// Sends events to every webhook endpoint: one request at a time per endpoint, so each receives its
// events in id order. A batch sent but not yet recorded is sent again after a crash (at least once);
// one failing for retryHours is recorded in webhook_failures and skipped. State: an EndpointSource.
import { toPublicEvent } from '../events/json.js';
import type { Logger } from '../util/log.js';
import { DEFAULT_BACKOFF, retryDelayMs, type BackoffPolicy } from './backoff.js';
import { buildRequest, postJson, type PostOutcome, type WebhookRequest } from './request.js';
import type { StoredEvent } from '../events/types.js';
import type { FailureState, Webhook } from './store.js';

type MaybeAsync<T> = T | Promise<T>;

/**
 * The endpoints this node sends to, their cursors and failure state: the WebhookStore alone, or in
 * cluster mode the endpoints whose lease it holds with their cursors in PostgreSQL (cluster-source.ts).
 */
export interface EndpointSource {
  /** Sync: metrics read the backlog (cluster mode: cursors as of the last lease round). */
  all(): Webhook[];
  get(id: string): MaybeAsync<Webhook | null>;
  batch(w: Webhook, limit: number): MaybeAsync<StoredEvent[]>;
  backlog(w: Webhook): number;
  advance(id: string, from: number, to: number): MaybeAsync<boolean>;
  recordFailure(id: string, cursor: number, f: FailureState): MaybeAsync<void>;
  drop(id: string, cursor: number, batch: { first: number; last: number }, at: number, error: string): MaybeAsync<boolean>;
}

export interface DispatcherOptions {
  store: EndpointSource;
  /** The signing secret of an endpoint; null when it cannot be had (the attempt then fails). */
  secretOf: (endpoint: Webhook) => string | null;
  batchSize: number;
  timeoutMs: number;
  retryHours: number;
  userAgent: string;
  log: Logger;
  backoff?: BackoffPolicy;
  /** How often the table is looked at without a wake() (default 1000 ms). */
  pollIntervalMs?: number;
  now?: () => number;
  random?: () => number;
  post?: (req: WebhookRequest, timeoutMs: number, stop: AbortSignal) => Promise<PostOutcome>;
}

export interface EndpointBacklog {
  id: string;
  url: string;
  backlog: number;
  failingSince: number | null;
}

export class WebhookDispatcher {
  private readonly busy = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly post: NonNullable<DispatcherOptions['post']>;

  constructor(private readonly opts: DispatcherOptions) {
    this.now = opts.now ?? Date.now;
    this.post = opts.post ?? postJson;
  }

  /** Poll every pollIntervalMs until stop(). */
  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.timer = setInterval(() => void this.wake(), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
    void this.wake();
  }

  /**
   * Start sending to every due endpoint that is not already busy. Resolves when those runs end
   * (tests await it; the poll does not).
   */
  async wake(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const endpoints = this.opts.store.all();
    const now = this.now();
    const runs: Promise<void>[] = [];
    for (const endpoint of endpoints) {
      if (this.busy.has(endpoint.id) || (endpoint.nextAttemptAt ?? 0) > now) continue;
      const run = this.drain(endpoint.id)
        .catch((err: unknown) => this.opts.log.error({ event: 'webhook-error', webhook: endpoint.id, err }, 'webhook dispatcher failed'))
        .finally(() => this.busy.delete(endpoint.id));
      this.busy.set(endpoint.id, run);
      runs.push(run);
    }
    await Promise.all(runs);
  }

  /** Stop polling, abort requests in flight (their batches are sent again later) and wait for them. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping.abort();
    await Promise.all(this.busy.values());
  }

  /** Events waiting per endpoint (for metrics and `petrel webhook list`). */
  backlog(): EndpointBacklog[] {
    const { store } = this.opts;
    return store.all().map((w) => ({ id: w.id, url: w.url, backlog: store.backlog(w), failingSince: w.failingSince }));
  }

  /** Send batches to one endpoint until it is caught up, fails, or the dispatcher stops. */
  private async drain(id: string): Promise<void> {
    const { store, batchSize } = this.opts;
    while (!this.stopping.signal.aborted) {
      const endpoint = await store.get(id);
      if (endpoint === null || (endpoint.nextAttemptAt ?? 0) > this.now()) return;
      const events = await store.batch(endpoint, batchSize);
      if (events.length === 0) return;
      const range = { first: events[0]!.id, last: events[events.length - 1]!.id };
      const outcome = await this.send(endpoint, events.map(toPublicEvent));
      if (outcome.ok) {
        if (!(await store.advance(id, endpoint.cursor, range.last))) return; // the cursor moved elsewhere (or the lease did)
        this.opts.log.debug({ event: 'webhook-sent', webhook: id, ...range, status: outcome.status }, 'webhook batch sent');
      } else if (outcome.aborted || !(await this.failed(endpoint, range, outcome.error))) {
        return;
      }
    }
  }

  private async send(endpoint: Webhook, events: ReturnType<typeof toPublicEvent>[]): Promise<PostOutcome> {
    // The reads before it are async (cluster mode): stop() may have come meanwhile.
    if (this.stopping.signal.aborted) return { ok: false, status: null, error: 'stopped', aborted: true };
    const secret = this.opts.secretOf(endpoint);
    if (secret === null) return { ok: false, status: null, error: 'signing secret unavailable', aborted: false };
    const req = buildRequest(endpoint, events, secret, this.now(), this.opts.userAgent);
    return this.post(req, this.opts.timeoutMs, this.stopping.signal);
  }

  /**
   * Record a failed attempt and schedule the next one; once the batch has been failing for
   * retryHours, drop it instead. True when the endpoint may go on with the next batch.
   */
  private async failed(endpoint: Webhook, range: { first: number; last: number }, error: string): Promise<boolean> {
    const { store, log } = this.opts;
    const now = this.now();
    const failingSince = endpoint.failingSince ?? now;
    const failures = endpoint.failures + 1;
    const context = { webhook: endpoint.id, url: endpoint.url, ...range, failures, error };
    if (now - failingSince >= this.opts.retryHours * 3_600_000) {
      await store.drop(endpoint.id, endpoint.cursor, range, now, error);
      log.error({ event: 'webhook-dropped', ...context }, 'webhook batch dropped after failing for retryHours');
      return true;
    }
    const nextAttemptAt = now + retryDelayMs(failures, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
    await store.recordFailure(endpoint.id, endpoint.cursor, { failingSince, failures, nextAttemptAt, error });
    log.warn({ event: 'webhook-failed', ...context, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'webhook batch failed');
    return false;
  }
}
