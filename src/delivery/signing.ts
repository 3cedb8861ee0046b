// Prepends DKIM-Signature fields to a job before remote delivery, once per job, so every
// transaction of the job sends the same signed bytes. A signing failure is logged and the mail
// goes unsigned (late mail that may fail DMARC beats mail stuck in the queue); never rejects.
import { Readable } from 'node:stream';
import type { DkimSigner } from '../auth/dkim-sign.js';
import type { Logger } from '../util/log.js';
import type { DeliveryJob } from './job.js';

/** Turns a job into its signed form (or returns it unchanged). */
export type JobSigner = (job: DeliveryJob) => Promise<DeliveryJob>;

/**
 * Mail that arrived on an MX listener is not ours to vouch for, so only submitted and locally made
 * mail is signed. @example createDeliverer({ ..., sign: jobSigner(new DkimSigner(db, dataDir), log) })
 */
export function jobSigner(signer: Pick<DkimSigner, 'signatureFor'>, log: Logger): JobSigner {
  return async (job) => {
    if (job.envelope.role === 'mx') return job;
    try {
      const sig = await signer.signatureFor(domainOf(job.envelope.sender), job.data ? job.data() : job.body());
      return sig === null ? job : withPrefix(job, Buffer.from(sig, 'latin1'));
    } catch (err) {
      log.error({ err, messageId: job.messageId }, 'DKIM signing failed; sending unsigned');
      return job;
    }
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

/** The job with `prefix` before its body: one buffer for in-memory bodies, a chained stream for spooled ones. */
export function withPrefix(job: DeliveryJob, prefix: Buffer): DeliveryJob {
  const size = job.size + prefix.length;
  if (job.data) {
    const data = Buffer.concat([prefix, job.data()]);
    return { ...job, size, data: () => data, body: () => Readable.from([data]) };
  }
  const open = job.body;
  return { ...job, size, body: () => Readable.from(chain(prefix, open)) };
}

async function* chain(prefix: Buffer, open: () => Readable): AsyncGenerator<Buffer> {
  yield prefix;
  for await (const chunk of open()) yield chunk as Buffer;
}
