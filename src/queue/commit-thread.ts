// The queue writer's handle on its commit thread (commit-worker.ts), which runs the SQLite inserts
// off the event loop. If the thread dies, inserts in flight reject with CommitThreadLostError, never
// hang, and the next insert starts a fresh thread.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { PendingMessage } from './message-rows.js';

/** The real worker script, beside this file in dist. */
export const COMMIT_WORKER_SCRIPT = new URL('./commit-worker.js', import.meta.url);

export interface CommitWorkerData {
  dbFile: string;
  /** Cluster mode: the node's row-id slot (its shared-table writes are captured for PostgreSQL). */
  clusterSlot?: number | undefined;
}
export type InsertRequest = { type: 'insert'; seq: number; batch: readonly PendingMessage[] };
export type CommitRequest = InsertRequest | { type: 'close' };
export type CommitReply = { seq: number; error: { message: string; code?: string | undefined } | null };

/** The thread died with the insert in flight: its transaction may or may not have committed. */
export class CommitThreadLostError extends Error {
  override readonly name = 'CommitThreadLostError';
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Started on the first insert; idle, it does not keep the process alive. Call close() at shutdown.
 * @example const thread = new CommitThread(COMMIT_WORKER_SCRIPT, { dbFile });
 *          await thread.insert(batch); await thread.close();
 */
export class CommitThread {
  private worker: Worker | null = null;
  private readonly waiters = new Map<number, Waiter>();
  private nextSeq = 0;
  private lastError: unknown = null;
  private closed = false;
  private stopped: Promise<void> = Promise.resolve();

  constructor(
    private readonly script: URL,
    private readonly data: CommitWorkerData,
  ) {}

  /** Resolves once the batch is committed (durable); rejects with the SQLite error or a lost thread. */
  insert(batch: readonly PendingMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue: the commit thread is closed'));
    const worker = this.worker ?? this.start();
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      this.waiters.set(seq, { resolve, reject });
      this.updateRef();
      try {
        worker.postMessage({ type: 'insert', seq, batch } satisfies CommitRequest);
      } catch (error) {
        this.settle({ seq, error: { message: String((error as Error).message ?? error) } });
      }
    });
  }

  /** Let inserts already posted finish, then close the thread's database and wait for it to exit. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopped = this.stop();
    }
    return this.stopped;
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    this.updateRef();
    worker.postMessage({ type: 'close' } satisfies CommitRequest);
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(this.script, { workerData: this.data });
    worker.on('message', (reply: CommitReply) => this.settle(reply));
    worker.on('error', (error) => (this.lastError = error)); // 'exit' follows and does the rest
    worker.on('messageerror', (error) => {
      this.lastError = error; // an unreadable reply cannot be matched to its insert: fail them all
      void worker.terminate();
    });
    worker.on('exit', (code) => this.lost(worker, code));
    this.worker = worker;
    this.lastError = null;
    this.updateRef();
    return worker;
  }

  // An idle thread must not keep the process alive; one with inserts in flight or closing must.
  private updateRef(): void {
    if (this.waiters.size > 0 || this.closed) this.worker?.ref();
    else this.worker?.unref();
  }

  private settle({ seq, error }: CommitReply): void {
    const waiter = this.waiters.get(seq);
    if (!waiter) return;
    this.waiters.delete(seq);
    this.updateRef();
    if (error) waiter.reject(Object.assign(new Error(error.message), { code: error.code }));
    else waiter.resolve();
  }

  // Only reached once the thread is gone, so none of its transactions can still commit.
  private lost(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const cause = this.lastError;
    const reason = cause instanceof Error ? cause.message : `exit code ${code}`;
    for (const waiter of this.waiters.values()) {
      waiter.reject(new CommitThreadLostError(`queue: the commit thread died (${reason})`, { cause }));
    }
    this.waiters.clear();
  }
}
