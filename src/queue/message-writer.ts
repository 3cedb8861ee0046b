// One message on its way into the queue, as handed to an SMTP session: write body chunks, then
// commit or abort. Misuse (write after commit/abort) throws; storage failures only reject commit().
import type { Readable } from 'node:stream';
import type { MessageWriter } from '../smtp/server/ports.js';
import type { BodyAccumulator } from './body.js';

type Phase = 'open' | 'committing' | 'aborted';

export class QueuedMessageWriter implements MessageWriter {
  private phase: Phase = 'open';

  /** `persist` makes the body durable and inserts the rows; it owns cleanup when it fails. */
  constructor(
    readonly id: string,
    private readonly body: BodyAccumulator,
    private readonly persist: () => Promise<string>,
  ) {}

  /** Bytes of this body held in memory (bounded by the writer's memoryBodyLimit). */
  get bufferedBytes(): number {
    return this.body.bufferedBytes;
  }

  write(chunk: Buffer): void {
    this.assertOpen('write');
    this.body.append(chunk);
  }

  contents(): Readable {
    this.assertOpen('read');
    return this.body.contents();
  }

  rewriteHeader(fn: (header: Buffer) => Buffer): void {
    this.assertOpen('rewrite');
    this.body.rewriteHeader(fn);
  }

  /** Resolves with the queue id once body and rows are on disk; never throws synchronously. */
  commit(): Promise<string> {
    if (this.phase !== 'open') {
      return Promise.reject(new Error(`queue: commit on a message already ${this.phaseWord()}`));
    }
    this.phase = 'committing';
    return this.persist();
  }

  /** Discard the message. Once commit() was called the commit decides, so this does nothing. */
  abort(): void {
    if (this.phase !== 'open') return;
    this.phase = 'aborted';
    this.body.discard();
  }

  private assertOpen(what: string): void {
    if (this.phase !== 'open') throw new Error(`queue: ${what} on a message already ${this.phaseWord()}`);
  }

  private phaseWord(): string {
    return this.phase === 'aborted' ? 'aborted' : 'committed';
  }
}
