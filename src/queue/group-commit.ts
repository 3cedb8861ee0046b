// Group commit: messages submitted by many sessions at once are inserted in one SQLite transaction,
// so one WAL fsync acknowledges them all. A failed batch is retried one message at a time, so only
// the messages that really cannot be stored are rejected (with QueueStorageError); none half-stored.
import type { PendingMessage } from './message-rows.js';
import { syncDirectory } from './spool.js';
import { QueueStorageError } from './storage-error.js';

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

  /** `insertBatch` must be atomic (see prepareBatchInsert); `spoolDir` is fsync'd before it runs. */
  constructor(
    private readonly insertBatch: (batch: readonly PendingMessage[]) => void,
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
  // data arrived in that round joins the same batch. A running flush picks up the next batch itself.
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
    try {
      // Spool files are already fdatasync'd; their directory entries become durable here, once.
      if (batch.some((s) => s.message.body.kind === 'spool')) await syncDirectory(this.spoolDir);
      this.insert(batch);
    } catch (error) {
      const failure = new QueueStorageError('syncing the spool directory', error);
      for (const submission of batch) submission.reject(failure);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }

  private insert(batch: Submission[]): void {
    this.flushes++;
    try {
      this.insertBatch(batch.map((s) => s.message));
    } catch (error) {
      // The transaction rolled back. Alone, the message is at fault; in a batch, find out which.
      if (batch.length === 1) batch[0]!.reject(new QueueStorageError('inserting the message', error));
      else for (const submission of batch) this.insert([submission]);
      return;
    }
    for (const submission of batch) submission.resolve();
  }
}
