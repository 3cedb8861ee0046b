// The Deliver function the scheduler calls: refuses looping mail (too many Received headers, 5.4.6),
// routes the job's domain, then hands it to local or remote delivery. Route failures apply to every
// recipient of the job. Never rejects.
import type { Logger } from '../util/log.js';
import type { AttemptInfo, DeliveryJob, RecipientResult } from './job.js';
import type { LocalDelivery } from './local.js';
import type { RemoteDelivery } from './remote.js';
import type { Router } from './router.js';
import type { Outcome } from '../smtp/client/types.js';

export interface DelivererDeps {
  router: Router;
  local: LocalDelivery;
  remote: RemoteDelivery;
  maxReceivedHeaders: number;
  log: Logger;
}

/** Build the scheduler's Deliver function. */
export function createDeliverer(deps: DelivererDeps) {
  return async (job: DeliveryJob): Promise<RecipientResult[]> => {
    const startedAt = Date.now();
    const hops = await countReceived(job);
    if (hops > deps.maxReceivedHeaders) {
      return failAll(job, startedAt, { code: 554, enhanced: '5.4.6', text: `mail loop: ${hops} Received headers (more than ${deps.maxReceivedHeaders})`, remote: false, phase: 'connect' });
    }
    const route = await deps.router.route(job.domain);
    if (route.kind === 'fail') return failAll(job, startedAt, route.outcome, route.via);
    if (route.kind === 'local') return deps.local.deliver(job);
    return deps.remote.deliver(route, job);
  };
}

function failAll(job: DeliveryJob, startedAt: number, outcome: Outcome, route: AttemptInfo['route'] = 'mx'): RecipientResult[] {
  const attempt = { startedAt, durationMs: Date.now() - startedAt, route };
  return job.recipients.map((r) => ({ idx: r.idx, outcome, attempt }));
}

const HEADER_LIMIT = 256 * 1024;

/** Received fields in the header section (read from the start of the body, at most 256 KiB). */
export async function countReceived(job: DeliveryJob): Promise<number> {
  if (job.data) return receivedFields(job.data.subarray(0, HEADER_LIMIT));
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = job.body();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= HEADER_LIMIT || chunk.includes('\r\n\r\n')) break;
    }
  } finally {
    stream.destroy();
  }
  return receivedFields(Buffer.concat(chunks));
}

/** Received fields in the header section of `head` (all of it when no blank line ends the header). */
function receivedFields(head: Buffer): number {
  const end = head.indexOf('\r\n\r\n');
  const header = (end < 0 ? head : head.subarray(0, end + 2)).toString('latin1');
  return (header.match(/^Received:/gim) ?? []).length;
}
