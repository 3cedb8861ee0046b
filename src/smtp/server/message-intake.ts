// The message a connection is receiving: the DATA or BDAT reader, and the writer the body streams
// into (with its trace headers). It reports where a body ends; it never replies on its own.

import { collectYoungGarbage } from '../../util/gc.js';
import { BdatReader } from './bdat-reader.js';
import { DotReader } from './dot-reader.js';
import type { Envelope, MessageSink } from './ports.js';
import { receivedHeader, rfc5322Date } from './received.js';
import type { SessionInput } from './session-types.js';
import { TraceWriter } from './trace-writer.js';

/** Body bytes between two nudges to the garbage collector (see util/gc.ts). */
const GC_EVERY_BYTES = 4 * 1024 * 1024;

type Reader = { kind: 'data'; reader: DotReader } | { kind: 'bdat'; reader: BdatReader; keep: boolean };

/** The end of a body: the session input to feed and the bytes after it (the next commands). */
export interface BodyEnd {
  input: SessionInput;
  rest: Buffer;
}

export class MessageIntake {
  private reader: Reader | null = null;
  private writer: TraceWriter | null = null;
  private envelope: Envelope | null = null;
  private sinceGc = 0;

  constructor(
    private readonly sink: MessageSink,
    private readonly hostname: string,
    private readonly maxMessageSize: number,
    private readonly normalizeBareLf: boolean,
  ) {}

  /** True while body bytes (not command lines) are expected. */
  get reading(): boolean {
    return this.reader !== null;
  }

  startData(env: Envelope, extended: boolean): void {
    this.open(env, extended);
    this.reader = { kind: 'data', reader: new DotReader(this.maxMessageSize, this.normalizeBareLf) };
  }

  /** A BDAT chunk; `env` opens the message (first chunk); `keep` false reads and drops the chunk. */
  startChunk(size: number, keep: boolean, env: Envelope | null, extended: boolean): BodyEnd | null {
    if (env) this.open(env, extended);
    this.reader = { kind: 'bdat', reader: new BdatReader(size), keep };
    return size === 0 ? this.end(Buffer.alloc(0), { type: 'bdat-chunk-end' }) : null;
  }

  /** Feed body bytes; returns the end once the body (or chunk) is complete. */
  feed(chunk: Buffer): BodyEnd | null {
    this.sinceGc += chunk.length;
    if (this.sinceGc >= GC_EVERY_BYTES) {
      this.sinceGc = 0;
      collectYoungGarbage();
    }
    const r = this.reader!;
    if (r.kind === 'bdat') {
      const fed = r.reader.feed(chunk);
      if (r.keep && fed.chunk.length > 0) this.writer?.write(fed.chunk);
      return fed.done ? this.end(chunk.subarray(fed.consumed), { type: 'bdat-chunk-end' }) : null;
    }
    const fed = r.reader.feed(chunk);
    if (!r.reader.tooBig) for (const c of fed.chunks) this.writer?.write(c);
    if (fed.status === 'more') return null;
    const result = fed.status === 'end' ? (r.reader.tooBig ? 'too-big' : 'ok') : 'bare-newline';
    return this.end(chunk.subarray(fed.consumed), { type: 'data-end', result });
  }

  /** Hand the finished message and its envelope over for commit; the intake forgets them. */
  take(): { writer: TraceWriter; envelope: Envelope } {
    const taken = { writer: this.writer!, envelope: this.envelope! };
    this.writer = null;
    this.envelope = null;
    return taken;
  }

  /** Drop the message being received, if any (refused, reset, timed out or disconnected). */
  discard(): void {
    this.writer?.abort();
    this.writer = null;
    this.envelope = null;
    this.reader = null;
  }

  private end(rest: Buffer, input: SessionInput): BodyEnd {
    this.reader = null;
    return { input, rest };
  }

  private open(env: Envelope, extended: boolean): void {
    this.writer?.abort(); // defensive: a new message never inherits an unfinished one
    const inner = this.sink.open(env);
    const trace = receivedHeader(env, inner.id, this.hostname, extended);
    const fixups = env.role === 'mx' ? null : { date: rfc5322Date(env.receivedAt), messageId: `<${inner.id}@${this.hostname}>` };
    this.writer = new TraceWriter(inner, trace, fixups);
    this.envelope = env;
  }
}
