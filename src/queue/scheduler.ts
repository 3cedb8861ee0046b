// The queue manager: claims due recipients from SQLite into a bounded ready set, hands them to
// delivery one job (message × domain) at a time, and writes every result back (src/queue/decide.ts
// holds the retry and bounce rules). Deferred mail costs nothing until due: one indexed query per tick.
// A delivery in progress when the process dies is found 'active' at start and tried again.
import type { Classification } from '../bounce/classes.js';
import type { DeliveryJob, Deliver, RecipientResult } from '../delivery/job.js';
import type { Logger } from '../util/log.js';
import type { RetryPolicy } from './backoff.js';
import { attemptRow, decide } from './decide.js';
import { consequences } from './delivery-events.js';
import type { DeliveryStore, DueRecipient, RecipientUpdate, ResultRow, StoredMessage } from './delivery-store.js';
import { labelsOf } from '../events/types.js';

/** Results are written together once this many wait, or after this long. */
const RESULT_BATCH = 512;
const RESULT_DELAY_MS = 20;

export interface SchedulerOptions {
  store: DeliveryStore;
  deliver: Deliver;
  retry: RetryPolicy;
  delayWarningMs: number;
  readySetSize: number;
  pollIntervalMs: number;
  log: Logger;
  now?: () => number;
  /** Called after results were written that left DSNs to send. */
  onDsnPending?: () => void;
  /** Told of every result as it is recorded (metrics); must be cheap and must not throw. */
  onResult?: (result: RecipientResult, update: RecipientUpdate, classification: Classification, message: StoredMessage) => void;
}

export class Scheduler {
  private readonly now: () => number;
  private inFlight = 0; // recipients claimed and not yet written back
  private jobs = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private wakeQueued = false;
  private started = false;
  private closed = false;
  private results: ResultRow[] = [];
  private flushQueued = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Put interrupted deliveries back in the queue and start polling. */
  start(): void {
    const recovered = this.opts.store.recoverActive(this.now());
    if (recovered > 0) this.opts.log.warn({ event: 'queue-recovered', recipients: recovered }, 'deliveries interrupted by a restart are due again');
    this.started = true;
    this.wake();
  }

  /** Look for due mail now (after new mail was queued, or an operator action); nothing before start(). */
  wake(): void {
    if (this.wakeQueued || this.closed || !this.started) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.tick();
    });
  }

  /** Recipients in the ready set or in delivery. */
  get active(): number {
    return this.inFlight;
  }

  /** Stop claiming; wait up to graceMs for deliveries in progress (the rest are retried after restart). */
  async close(graceMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.jobs]), deadline]);
    this.flushResults();
  }

  private tick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const room = this.opts.readySetSize - this.inFlight;
    let claimed = 0;
    if (room > 0) {
      try {
        claimed = this.dispatch(this.opts.store.claimDue(this.now(), room), room);
      } catch (error) {
        this.opts.log.error({ event: 'queue-claim-failed', err: error }, 'could not read the queue');
      }
    }
    if (this.opts.onDsnPending && this.opts.store.hasPendingDsn()) this.opts.onDsnPending();
    const again = claimed > 0 && claimed === room ? 0 : this.opts.pollIntervalMs;
    this.timer = setTimeout(() => this.tick(), again);
    this.timer.unref?.();
  }

  private dispatch(rows: DueRecipient[], room: number): number {
    const messages = new Map<string, StoredMessage | null>();
    for (const group of groupRows(rows)) {
      const first = group[0]!;
      if (!messages.has(first.messageId)) messages.set(first.messageId, this.opts.store.loadMessage(first.messageId));
      const message = messages.get(first.messageId);
      if (!message) continue; // deleted while due
      this.run(toJob(first, group, message), group, message);
    }
    return Math.min(rows.length, room);
  }

  private run(job: DeliveryJob, rows: DueRecipient[], message: StoredMessage): void {
    this.inFlight += rows.length;
    const task = this.opts
      .deliver(job)
      .catch((error: unknown) => failAll(job, error))
      .then((results) => this.record(job, rows, message, results))
      .finally(() => {
        this.inFlight -= rows.length;
        this.jobs.delete(task);
        if (!this.closed) this.wake();
      });
    this.jobs.add(task);
  }

  private record(job: DeliveryJob, rows: DueRecipient[], message: StoredMessage, results: RecipientResult[]): void {
    const byIdx = new Map(rows.map((r) => [r.idx, r]));
    for (const result of results) {
      const row = byIdx.get(result.idx);
      if (!row) continue;
      const update = decide(result, {
        messageId: job.messageId,
        sender: message.envelope.sender,
        receivedAt: message.receivedAt,
        notify: row.notify?.split(','),
        attempts: row.attempts,
        delayNotified: row.delayNotified === 1,
        now: this.now(),
        retry: this.opts.retry,
        delayWarningMs: this.opts.delayWarningMs,
      });
      if (update.state === 'throttled') {
        this.results.push({ update, attempt: null, event: null, suppress: null });
        continue;
      }
      const { classification, event, suppress } = consequences(result, update, { address: row.address, sender: message.envelope.sender, labels: labelsOf(message.envelope) });
      this.opts.onResult?.(result, update, classification, message);
      const attempt = result.attempt.skipped ? null : attemptRow(job.messageId, result, update, classification, message.identity ?? null);
      this.results.push({ update, attempt, event, suppress });
    }
    if (this.results.length >= RESULT_BATCH) this.flushResults();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setTimeout(() => this.flushResults(), RESULT_DELAY_MS);
    }
  }

  /** One transaction for the results of the last few milliseconds: one WAL commit, not one per job. */
  private flushResults(): void {
    this.flushQueued = false;
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    try {
      this.opts.store.apply(batch);
    } catch (error) {
      // The rows stay 'active' and are retried after a restart: at least once, never lost.
      this.opts.log.error({ event: 'queue-update-failed', err: error, recipients: batch.length }, 'could not record delivery results');
      return;
    }
    if (batch.some((r) => r.update.dsnPending)) this.opts.onDsnPending?.();
  }
}

/** Due rows grouped by message and domain, in claim order. */
function groupRows(rows: DueRecipient[]): DueRecipient[][] {
  const groups = new Map<string, DueRecipient[]>();
  for (const row of rows) {
    const key = `${row.messageId}\0${row.domain}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()];
}

function toJob(first: DueRecipient, rows: DueRecipient[], message: StoredMessage): DeliveryJob {
  return {
    messageId: first.messageId,
    domain: first.domain,
    envelope: message.envelope,
    size: message.size,
    ...(message.identity ? { identity: message.identity } : {}),
    body: message.body,
    ...(message.data ? { data: message.data } : {}),
    recipients: rows.map((r) => ({
      idx: r.idx,
      address: r.address,
      ...(r.notify ? { notify: r.notify.split(',') } : {}),
      ...(r.orcpt ? { orcpt: r.orcpt } : {}),
      attempts: r.attempts,
    })),
  };
}

/** A bug in delivery must not lose mail: every recipient is deferred with the error. */
function failAll(job: DeliveryJob, error: unknown): RecipientResult[] {
  const text = `internal error: ${error instanceof Error ? error.message : String(error)}`;
  const now = Date.now();
  return job.recipients.map((r) => ({
    idx: r.idx,
    outcome: { code: 451, enhanced: '4.3.0', text, remote: false, phase: 'connect' },
    attempt: { startedAt: now, durationMs: 0, route: 'mx' },
  }));
}
