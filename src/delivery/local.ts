// Local delivery: recipients at our own local domains are stored here as inbound mail (one copy per
// job, durable before the result), the way the MX role would have stored them. Unknown users bounce
// 5.1.1; a storage failure defers.
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { QueueWriter } from '../queue/writer.js';
import type { Directory } from '../smtp/server/ports.js';
import type { Outcome } from '../smtp/client/types.js';
import type { DeliveryJob, RecipientResult } from './job.js';
import { loopRefusal } from './loop.js';

export class LocalDelivery {
  constructor(private readonly directory: Directory, private readonly queue: QueueWriter, private readonly maxReceived: number) {}

  async deliver(job: DeliveryJob): Promise<RecipientResult[]> {
    const startedAt = Date.now();
    const loop = await loopRefusal(job, this.maxReceived);
    if (loop) return job.recipients.map((r) => ({ idx: r.idx, outcome: loop, attempt: { startedAt, durationMs: 0, route: 'local' as const } }));
    const accepted = job.recipients.filter((r) => this.directory.recipient(r.address) === 'accept');
    let stored: Outcome = { code: 250, enhanced: '2.0.0', text: 'stored locally', remote: false, phase: 'data-end' };
    if (accepted.length > 0) stored = await this.store(job, new Set(accepted.map((r) => r.idx)));
    const attempt = { startedAt, durationMs: Date.now() - startedAt, route: 'local' as const };
    return job.recipients.map((r) => ({
      idx: r.idx,
      outcome: accepted.includes(r) ? stored : unknownUser(r.address),
      attempt,
    }));
  }

  private async store(job: DeliveryJob, keep: Set<number>): Promise<Outcome> {
    const recipients = job.envelope.recipients.filter((_, idx) => keep.has(idx));
    const writer = this.queue.open({ ...job.envelope, recipients }, { direction: 'inbound' });
    try {
      await pipeline(job.body(), new Writable({ write: (chunk: Buffer, _enc, done) => { writer.write(chunk); done(); } }));
      const id = await writer.commit();
      return { code: 250, enhanced: '2.0.0', text: `stored locally as ${id}`, remote: false, phase: 'data-end' };
    } catch (error) {
      writer.abort();
      const text = `local storage failed: ${error instanceof Error ? error.message : String(error)}`;
      return { code: 451, enhanced: '4.3.0', text, remote: false, phase: 'data-end' };
    }
  }
}

function unknownUser(address: string): Outcome {
  return { code: 550, enhanced: '5.1.1', text: `no such user here: ${address}`, remote: false, phase: 'rcpt' };
}
