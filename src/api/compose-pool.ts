// MailComposer on its own thread: the HTTP thread parses, validates and stores; the compose thread
// builds MIME on the other core. Requests are answered in any order by sequence number. If the thread
// dies, the requests it held fail (the client gets a 5xx and may retry with its Idempotency-Key) and
// the next request starts a new thread.
import { Worker } from 'node:worker_threads';
import type { MessageInput } from './compose.js';
import type { ComposeReply, ComposeRequest } from './compose-worker.js';

const SCRIPT = new URL('./compose-worker.js', import.meta.url);

export class ComposePool {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();

  compose(input: MessageInput, ids: { messageId: string; date: Date }): Promise<Buffer> {
    const worker = this.worker ?? this.start();
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, input, messageId: ids.messageId, date: ids.date.getTime() } satisfies ComposeRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(SCRIPT);
    worker.unref(); // an idle compose thread must not keep the process alive
    worker.on('message', (reply: ComposeReply) => {
      const waiter = this.pending.get(reply.seq);
      if (!waiter) return;
      this.pending.delete(reply.seq);
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the compose thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
