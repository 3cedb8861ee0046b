// Wraps a MessageWriter to prepend the Received header and, on submission (RFC 6409 §8), to add a
// missing Date or Message-ID at the end of the header section. Holds at most 64 KiB of headers.

import type { Readable } from 'node:stream';
import type { MessageWriter } from './ports.js';

const MAX_HEADER_BYTES = 64 * 1024;
const BLANK_LINE = Buffer.from('\r\n\r\n');

export interface HeaderFixups {
  date: string; // used when the message has no Date:
  messageId: string; // used when the message has no Message-ID:
}

export class TraceWriter implements MessageWriter {
  private head: Buffer[] | null = []; // header bytes held back until the blank line (null: done)
  private headBytes = 0;

  constructor(private readonly inner: MessageWriter, trace: string, private readonly fixups: HeaderFixups | null) {
    inner.write(Buffer.from(trace, 'utf8'));
    if (fixups === null) this.head = null;
  }

  get id(): string {
    return this.inner.id;
  }

  write(chunk: Buffer): void {
    if (this.head === null) return this.inner.write(chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    const all = Buffer.concat(this.head);
    this.head = [all];
    const end = all.subarray(0, 2).equals(BLANK_LINE.subarray(0, 2)) ? 0 : all.indexOf(BLANK_LINE);
    if (end >= 0) this.release(all, end === 0 ? 0 : end + 2);
    else if (this.headBytes > MAX_HEADER_BYTES) this.release(all, -1); // not a header we can fix: pass it on
  }

  /** Write the held headers, the missing fields before the blank line at `split` (-1: no fixing). */
  private release(all: Buffer, split: number): void {
    this.head = null;
    if (split < 0) return this.inner.write(all);
    this.inner.write(all.subarray(0, split));
    this.inner.write(Buffer.from(this.missingFields(all.subarray(0, split)), 'utf8'));
    this.inner.write(all.subarray(split));
  }

  private missingFields(headers: Buffer): string {
    const text = '\n' + headers.toString('latin1');
    let out = '';
    if (!/\ndate[ \t]*:/i.test(text)) out += `Date: ${this.fixups!.date}\r\n`;
    if (!/\nmessage-id[ \t]*:/i.test(text)) out += `Message-ID: ${this.fixups!.messageId}\r\n`;
    return out;
  }

  /** The message as it will be stored; the body must be complete (held headers are released). */
  contents(): Readable {
    this.releaseHeld();
    return this.inner.contents();
  }

  rewriteHeader(fn: (header: Buffer) => Buffer): void {
    this.releaseHeld();
    this.inner.rewriteHeader(fn);
  }

  commit(): Promise<string> {
    this.releaseHeld();
    return this.inner.commit();
  }

  /** At the end of the body: if it ended inside the header section, all of it was headers. */
  private releaseHeld(): void {
    if (this.head === null) return;
    const all = Buffer.concat(this.head);
    const needsBreak = all.length > 0 && !all.subarray(-2).equals(BLANK_LINE.subarray(0, 2));
    this.release(needsBreak ? Buffer.concat([all, BLANK_LINE.subarray(0, 2)]) : all, needsBreak ? all.length + 2 : all.length);
  }

  abort(): void {
    this.head = null;
    this.inner.abort();
  }
}
