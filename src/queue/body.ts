// Collects one message body: in memory up to a limit, then spilled to its spool file with plain
// write(2)s; it can be read back and its header rewritten. A write error is kept for finish().
import { closeSync, createReadStream, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
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

  /** The bytes appended so far, read back (from memory or the spool file). */
  contents(): Readable {
    if (this.failure) throw this.failure;
    if (!this.spooled) return Readable.from([...this.chunks]);
    return createReadStream(this.spoolFile);
  }

  /**
   * Replace the header section (the fields before the blank line; empty when there is none within
   * MAX_HEADER_BYTES) with `fn(header)`. A spooled body gets a new file renamed over the old one.
   */
  rewriteHeader(fn: (header: Buffer) => Buffer): void {
    if (this.failure) throw this.failure;
    try {
      if (this.spooled) this.rewriteSpool(fn);
      else this.rewriteMemory(fn);
    } catch (error) {
      this.failure = new QueueStorageError('rewriting the header', error);
      this.discard();
      throw this.failure;
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

  private rewriteMemory(fn: (header: Buffer) => Buffer): void {
    const all = Buffer.concat(this.chunks, this.buffered);
    const end = headerEnd(all);
    const next = Buffer.concat([fn(all.subarray(0, end)), all.subarray(end)]);
    this.total += next.length - all.length;
    this.chunks = [next];
    this.buffered = next.length;
    if (this.buffered > this.memoryLimit) this.spill(); // keep the memory bound
  }

  /** Copy new header + old rest into <spool>.rw, then rename it over the spool file. */
  private rewriteSpool(fn: (header: Buffer) => Buffer): void {
    const head = readHead(this.spoolFile);
    const end = headerEnd(head);
    const tmp = `${this.spoolFile}.rw`; // a crash leaves a stray file; recovery removes it
    const out = openSync(tmp, 'w', 0o600);
    let header: Buffer;
    try {
      header = fn(head.subarray(0, end));
      writeFully(out, header);
      copyFrom(this.spoolFile, end, out);
      renameSync(tmp, this.spoolFile);
    } catch (error) {
      closeSync(out);
      unlinkQuietly(tmp);
      throw error;
    }
    closeSync(this.fd!);
    this.fd = out;
    this.total += header.length - end;
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

/** Header sections longer than this are left alone (only prepended to), as in TraceWriter. */
const MAX_HEADER_BYTES = 64 * 1024;
const BLANK_LINE = Buffer.from('\r\n\r\n');

/** Where the blank line starts: the end of the last header field's CRLF; 0 when none is found. */
export function headerEnd(message: Buffer): number {
  if (message.subarray(0, 2).equals(BLANK_LINE.subarray(0, 2))) return 0;
  const at = message.indexOf(BLANK_LINE);
  return at < 0 || at > MAX_HEADER_BYTES ? 0 : at + 2;
}

function readHead(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(MAX_HEADER_BYTES + BLANK_LINE.length);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, got);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Append `file` from byte `offset` to the end onto `out`. */
function copyFrom(file: string, offset: number, out: number): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (let pos = offset, n = 1; n > 0; pos += n) {
      n = readSync(fd, buf, 0, buf.length, pos);
      writeFully(out, buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
