import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { countReceived } from './loop.js';
import type { DeliveryJob } from './job.js';

const job = (text: string, inMemory: boolean): DeliveryJob => {
  const data = Buffer.from(text);
  return {
    messageId: 'm', domain: 'example.com', size: data.length, recipients: [],
    envelope: {} as DeliveryJob['envelope'],
    body: () => Readable.from([data.subarray(0, 7), data.subarray(7)]),
    ...(inMemory ? { data: () => data } : {}),
  };
};

test('Received fields are counted in the header section only, from memory or from a stream', async () => {
  const text = 'Received: a\r\nReceived: b\r\n\tcontinued\r\nSubject: x\r\n\r\nReceived: in the body\r\n';
  assert.equal(await countReceived(job(text, true)), 2);
  assert.equal(await countReceived(job(text, false)), 2);
  assert.equal(await countReceived(job('Subject: none\r\n\r\nbody\r\n', true)), 0);
});
