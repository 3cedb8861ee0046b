// The one writer of the queue: every accepted message goes through here. commit() resolves only
// when body and rows are fsync'd; on any storage failure it rejects and leaves no trace of the message.
// The SQLite inserts run on a commit thread with its own connection, so fsyncs never block the loop.
import { join } from 'node:path';
import type { Envelope, MessageSink } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import { BodyAccumulator } from './body.js';
import { COMMIT_WORKER_SCRIPT, CommitThread } from './commit-thread.js';
import { GroupCommit } from './group-commit.js';
import { directionOf, prepareStoredIds, type Direction } from './message-rows.js';
import { QueuedMessageWriter } from './message-writer.js';
import { QueueIdGenerator } from './queue-id.js';
import { ensureSpoolDirectory } from './spool.js';
import { QueueStorageError } from './storage-error.js';

/** Bodies up to this many bytes are kept in memory and stored in messages.body. */
export const DEFAULT_MEMORY_BODY_LIMIT = 256 * 1024;

export interface QueueWriterOptions {
  memoryBodyLimit?: number;
  /** Called after each message is durable, e.g. to wake the delivery scheduler. */
  onCommit?: (id: string) => void;
  /** Called after each message is durable, with its direction (for metrics). */
  onAccepted?: (envelope: Envelope, direction: Direction) => void;
  /** Cluster mode: the node's row-id slot, for the commit thread's connection (src/cluster/prepare.ts). */
  clusterSlot?: number | undefined;
}

/**
 * Run recoverSpool() before the first open(): recovery removes spool files that have no row yet.
 * `db` must be a file database: the commit thread opens its own connection to the same file.
 * @example const queue = new QueueWriter(db, dataDir, { memoryBodyLimit: 256 * 1024 });
 *          const msg = queue.open(envelope); msg.write(chunk); const id = await msg.commit();
 *          await queue.close(); // at shutdown, once no more messages are opened
 */
export class QueueWriter implements MessageSink {
  private readonly ids = new QueueIdGenerator();
  private readonly group: GroupCommit;
  private readonly thread: CommitThread;
  private readonly spoolDir: string;
  private readonly memoryBodyLimit: number;
  private readonly onCommit: ((id: string) => void) | undefined;
  private readonly onAccepted: QueueWriterOptions['onAccepted'];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(db: Db, dataDir: string, opts: QueueWriterOptions = {}) {
    this.memoryBodyLimit = opts.memoryBodyLimit ?? DEFAULT_MEMORY_BODY_LIMIT;
    this.onCommit = opts.onCommit;
    this.onAccepted = opts.onAccepted;
    if (!Number.isSafeInteger(this.memoryBodyLimit) || this.memoryBodyLimit < 0) {
      throw new RangeError(`queue: memoryBodyLimit must be a non-negative integer, got ${this.memoryBodyLimit}`);
    }
    if (db.memory) throw new RangeError('queue: the database must be a file, not in memory');
    this.spoolDir = ensureSpoolDirectory(dataDir);
    this.thread = new CommitThread(COMMIT_WORKER_SCRIPT, { dbFile: db.name, clusterSlot: opts.clusterSlot });
    const store = { insert: this.thread.insert.bind(this.thread), storedIds: prepareStoredIds(db) };
    this.group = new GroupCommit(store, this.spoolDir);
  }

  /** Transactions run so far; concurrent commits share one. For tests and metrics. */
  get flushCount(): number {
    return this.group.flushCount;
  }

  /** A fresh queue id, for a caller that must record it elsewhere before opening (campaign claims). */
  nextId(): string {
    return this.ids.next();
  }

  /**
   * Start a message; `direction` overrides the one its role implies (local delivery stores inbound);
   * `id` is one nextId() gave, used at most once.
   */
  open(envelope: Envelope, opts: { direction?: Direction; id?: string } = {}): QueuedMessageWriter {
    const id = opts.id ?? this.ids.next();
    const body = new BodyAccumulator(join(this.spoolDir, id), this.memoryBodyLimit);
    return new QueuedMessageWriter(id, body, () => this.persist(id, envelope, body, opts.direction));
  }

  /** Resolves when no commit is in progress (for shutdown: stop accepting first, then await this). */
  flushed(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Wait for commits in progress, then stop the commit thread. Later commits reject. */
  async close(): Promise<void> {
    await this.flushed();
    await this.thread.close();
  }

  private async persist(id: string, envelope: Envelope, body: BodyAccumulator, direction?: Direction): Promise<string> {
    this.inFlight++; // before the first await, so flushed() called right after commit() waits
    try {
      const stored = await body.finish();
      await this.group.submit({ id, envelope, body: stored, ...(direction ? { direction } : {}) });
      this.onCommit?.(id);
      this.onAccepted?.(envelope, direction ?? directionOf(envelope));
      return id;
    } catch (error) {
      body.discard(); // the rows were not written, so the spool file must go too
      throw error instanceof QueueStorageError ? error : new QueueStorageError('storing the message', error);
    } finally {
      this.inFlight--;
      // Wake waiters only after the commit's own callers ran (e.g. the session wrote its 250).
      if (this.inFlight === 0) setImmediate(() => this.wakeIdleWaiters());
    }
  }

  private wakeIdleWaiters(): void {
    if (this.inFlight > 0) return; // a new commit started meanwhile; its end wakes them
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
