// Sends events to every webhook endpoint: one request at a time per endpoint, so each receives its
// events in id order. All state is in SQLite; a batch sent but not yet recorded is sent again after a
// crash (at least once). A batch failing for retryHours is recorded in webhook_failures and skipped.
import { toPublicEvent } from '../events/json.js';
import type { Logger } from '../util/log.js';
import { DEFAULT_BACKOFF, retryDelayMs, type BackoffPolicy } from './backoff.js';
import { buildRequest, postJson, type PostOutcome, type WebhookRequest } from './request.js';
import type { Webhook, WebhookStore } from './store.js';

export interface DispatcherOptions {
  store: WebhookStore;
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
  wake(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    const now = this.now();
    const runs: Promise<void>[] = [];
    for (const endpoint of this.opts.store.all()) {
      if (this.busy.has(endpoint.id) || (endpoint.nextAttemptAt ?? 0) > now) continue;
      const run = this.drain(endpoint.id)
        .catch((err: unknown) => this.opts.log.error({ event: 'webhook-error', webhook: endpoint.id, err }, 'webhook dispatcher failed'))
        .finally(() => this.busy.delete(endpoint.id));
      this.busy.set(endpoint.id, run);
      runs.push(run);
    }
    return Promise.all(runs).then(() => undefined);
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
      const endpoint = store.get(id);
      if (endpoint === null || (endpoint.nextAttemptAt ?? 0) > this.now()) return;
      const events = store.batch(endpoint, batchSize);
      if (events.length === 0) return;
      const range = { first: events[0]!.id, last: events[events.length - 1]!.id };
      const outcome = await this.send(endpoint, events.map(toPublicEvent));
      if (outcome.ok) {
        store.advance(id, endpoint.cursor, range.last);
        this.opts.log.debug({ event: 'webhook-sent', webhook: id, ...range, status: outcome.status }, 'webhook batch sent');
      } else if (outcome.aborted || !this.failed(endpoint, range, outcome.error)) {
        return;
      }
    }
  }

  private async send(endpoint: Webhook, events: ReturnType<typeof toPublicEvent>[]): Promise<PostOutcome> {
    const secret = this.opts.secretOf(endpoint);
    if (secret === null) return { ok: false, status: null, error: 'signing secret unavailable', aborted: false };
    const req = buildRequest(endpoint, events, secret, this.now(), this.opts.userAgent);
    return this.post(req, this.opts.timeoutMs, this.stopping.signal);
  }

  /**
   * Record a failed attempt and schedule the next one; once the batch has been failing for
   * retryHours, drop it instead. True when the endpoint may go on with the next batch.
   */
  private failed(endpoint: Webhook, range: { first: number; last: number }, error: string): boolean {
    const { store, log } = this.opts;
    const now = this.now();
    const failingSince = endpoint.failingSince ?? now;
    const failures = endpoint.failures + 1;
    const context = { webhook: endpoint.id, url: endpoint.url, ...range, failures, error };
    if (now - failingSince >= this.opts.retryHours * 3_600_000) {
      store.drop(endpoint.id, endpoint.cursor, range, now, error);
      log.error({ event: 'webhook-dropped', ...context }, 'webhook batch dropped after failing for retryHours');
      return true;
    }
    const nextAttemptAt = now + retryDelayMs(failures, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
    store.recordFailure(endpoint.id, endpoint.cursor, { failingSince, failures, nextAttemptAt, error });
    log.warn({ event: 'webhook-failed', ...context, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'webhook batch failed');
    return false;
  }
}
