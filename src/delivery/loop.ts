// Mail loops: a message with more Received fields than the limit has gone round (Postfix's
// hopcount_limit) and is refused with 554 5.4.6. Read from the stored header just before sending.
import type { Outcome } from '../smtp/client/types.js';
import type { DeliveryJob } from './job.js';

/** The refusal for a looping message, or null when it may go. */
export async function loopRefusal(job: DeliveryJob, maxReceived: number): Promise<Outcome | null> {
  const hops = await countReceived(job);
  if (hops <= maxReceived) return null;
  return { code: 554, enhanced: '5.4.6', text: `mail loop: ${hops} Received headers (more than ${maxReceived})`, remote: false, phase: 'connect' };
}

const HEADER_LIMIT = 256 * 1024;

/** Received fields in the header section (read from the start of the body, at most 256 KiB). */
export async function countReceived(job: DeliveryJob): Promise<number> {
  if (job.data) return receivedFields(job.data().subarray(0, HEADER_LIMIT));
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
