// Group commit: messages submitted by many sessions at once are inserted in one SQLite transaction,
// so one WAL fsync acknowledges them all. A failed batch is retried one message at a time, so only
// the messages that really cannot be stored are rejected (with QueueStorageError); none half-stored.
import { CommitThreadLostError } from './commit-thread.js';
import type { PendingMessage } from './message-rows.js';
import { syncDirectory } from './spool.js';
import { QueueStorageError } from './storage-error.js';

/** Where batches go. `insert` is atomic (all messages or none) and resolves once they are durable. */
export interface BatchStore {
  insert(batch: readonly PendingMessage[]): Promise<void>;
  /** After an insert failed with CommitThreadLostError: the ids whose rows were committed anyway. */
  storedIds(ids: readonly string[]): ReadonlySet<string>;
}

interface Submission {
  message: PendingMessage;
  resolve(): void;
  reject(error: Error): void;
}

export class GroupCommit {
  private pending: Submission[] = [];
  private scheduled = false;
  private flushing = false;
  private flushes = 0;

  /** `spoolDir` is fsync'd before a batch with spooled bodies is inserted. */
  constructor(
    private readonly store: BatchStore,
    private readonly spoolDir: string,
  ) {}

  /** Number of flushes so far (one transaction each, plus retries of failed batches). */
  get flushCount(): number {
    return this.flushes;
  }

  /** Resolves once the message's rows are committed, i.e. on disk. */
  submit(message: PendingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      this.schedule();
    });
  }

  // setImmediate runs after the current round of I/O callbacks, so every session whose end of
  // data arrived in that round joins the same batch. One batch is in flight at a time: while it
  // commits, the next one accumulates, and the running flush schedules it when done.
  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    const batch = this.pending;
    this.pending = [];
    if (await this.syncSpool(batch)) await this.insert(batch);
    this.flushing = false;
    if (this.pending.length > 0) this.schedule();
  }

  // Spool files are already fdatasync'd; their directory entries become durable here, once a batch.
  private async syncSpool(batch: Submission[]): Promise<boolean> {
    if (!batch.some((s) => s.message.body.kind === 'spool')) return true;
    try {
      await syncDirectory(this.spoolDir);
      return true;
    } catch (error) {
      const failure = new QueueStorageError('syncing the spool directory', error);
      for (const submission of batch) submission.reject(failure);
      return false;
    }
  }

  private async insert(batch: Submission[]): Promise<void> {
    this.flushes++;
    try {
      await this.store.insert(batch.map((s) => s.message));
    } catch (error) {
      if (error instanceof CommitThreadLostError) this.settleLost(batch, error);
      // The transaction rolled back. Alone, the message is at fault; in a batch, find out which.
      else if (batch.length === 1) batch[0]!.reject(new QueueStorageError('inserting the message', error));
      else await Promise.all(batch.map((submission) => this.insert([submission])));
      return;
    }
    for (const submission of batch) submission.resolve();
  }

  // The thread died during the transaction, which may have committed: ask the database, so a stored
  // message is acknowledged (and keeps its spool file) and an unstored one is rejected.
  private settleLost(batch: Submission[], error: CommitThreadLostError): void {
    let stored: ReadonlySet<string> = new Set();
    try {
      stored = this.store.storedIds(batch.map((s) => s.message.id));
    } catch {
      // The main connection failed too, so we cannot tell: treat them all as not stored.
    }
    for (const submission of batch) {
      if (stored.has(submission.message.id)) submission.resolve();
      else submission.reject(new QueueStorageError('inserting the message', error));
    }
  }
}
