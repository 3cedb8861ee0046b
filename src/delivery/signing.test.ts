import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { createLogger } from '../util/log.js';
import type { DeliveryJob } from './job.js';
import { jobSigner } from './signing.js';

const log = createLogger({ log: { level: 'silent' } } as Parameters<typeof createLogger>[0]);
const BODY = 'From: a@example.org\r\n\r\nhi\r\n';
const SIG = 'DKIM-Signature: v=1; d=example.org\r\n';

function job(kind: 'memory' | 'spool', role = 'submission'): DeliveryJob {
  const data = Buffer.from(BODY);
  return {
    messageId: 'm1', domain: 'example.com', size: data.length, recipients: [],
    envelope: { sender: 'bounce@Example.org', role, body: '7BIT', smtputf8: false } as DeliveryJob['envelope'],
    body: () => Readable.from([data.subarray(0, 5), data.subarray(5)]),
    ...(kind === 'memory' ? { data: () => data } : {}),
  };
}

describe('job signing', () => {
  const calls: string[] = [];
  const signer = { signatureFor: async (domain: string, message: Buffer | Readable) => {
    calls.push(domain);
    const body = Buffer.isBuffer(message) ? message.toString() : await text(message);
    assert.equal(body, BODY);
    return SIG;
  } };

  it('prepends the signature to in-memory and spooled bodies, adjusting the size', async () => {
    for (const kind of ['memory', 'spool'] as const) {
      const signed = await jobSigner(signer, log)(job(kind));
      assert.equal(signed.size, Buffer.byteLength(SIG + BODY));
      assert.equal(await text(signed.body()), SIG + BODY);
      assert.equal(await text(signed.body()), SIG + BODY, 'every transaction gets the same bytes');
      assert.equal(signed.data?.().toString(), kind === 'memory' ? SIG + BODY : undefined);
    }
    assert.deepEqual(calls, ['Example.org', 'Example.org']);
  });

  it('leaves mail from the MX role, unsigned domains and signer failures alone', async () => {
    const mx = job('memory', 'mx');
    assert.equal(await jobSigner(signer, log)(mx), mx);
    const plain = job('memory');
    assert.equal(await jobSigner({ signatureFor: async () => null }, log)(plain), plain);
    assert.equal(await jobSigner({ signatureFor: async () => { throw new Error('no key file'); } }, log)(plain), plain);
  });
});
