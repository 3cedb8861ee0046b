// Collects one message body: in memory up to a limit, then spilled to its spool file with plain
// write(2)s into the page cache. A write error is remembered (and the file removed) for finish().
import { openSync, writeSync } from 'node:fs';
import { closeQuietly, syncAndClose, unlinkQuietly } from './spool.js';
import { QueueStorageError } from './storage-error.js';

/** Where a finished body is: its bytes for the database, or a durable spool file. */
export type StoredBody = { kind: 'memory'; data: Buffer; size: number } | { kind: 'spool'; size: number };

export class BodyAccumulator {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private total = 0;
  private fd: number | null = null;
  private spooled = false; // the spool file exists and is ours to remove
  private failure: QueueStorageError | null = null;

  /** `spoolFile` is only created once the body grows past `memoryLimit` bytes. */
  constructor(
    private readonly spoolFile: string,
    private readonly memoryLimit: number,
  ) {}

  /** Bytes held in memory right now; never more than the memory limit. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Body bytes received so far. */
  get size(): number {
    return this.total;
  }

  append(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.failure) return; // finish() reports it; the rest of the body is not worth keeping
    try {
      if (!this.spooled && this.buffered + chunk.length <= this.memoryLimit) {
        this.chunks.push(Buffer.from(chunk)); // a copy: callers may reuse their buffer
        this.buffered += chunk.length;
        return;
      }
      if (!this.spooled) this.spill();
      writeFully(this.fd!, chunk);
    } catch (error) {
      this.failure = new QueueStorageError('writing the spool file', error);
      this.discard();
    }
  }

  /** Resolve once the body is durable (a spool file is fdatasync'd and closed, not yet its dir). */
  async finish(): Promise<StoredBody> {
    if (this.failure) throw this.failure;
    if (!this.spooled) {
      const data = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      return { kind: 'memory', data, size: this.total };
    }
    const fd = this.fd!;
    this.fd = null;
    try {
      await syncAndClose(fd);
    } catch (error) {
      this.discard();
      throw new QueueStorageError('syncing the spool file', error);
    }
    return { kind: 'spool', size: this.total };
  }

  /** Drop the body: free the buffers, close and remove any spool file. Safe to call twice. */
  discard(): void {
    this.chunks = [];
    this.buffered = 0;
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
    if (this.spooled) unlinkQuietly(this.spoolFile);
    this.spooled = false;
  }

  private spill(): void {
    // 'wx': the id is fresh, so an existing file would be someone else's.
    this.fd = openSync(this.spoolFile, 'wx', 0o600);
    this.spooled = true;
    for (const chunk of this.chunks) writeFully(this.fd, chunk);
    this.chunks = [];
    this.buffered = 0;
  }
}

function writeFully(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}
