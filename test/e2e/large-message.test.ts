// A 50 MiB message streams to the spool: the server's memory does not grow with the message (the
// issue allows a few MiB). Measured as the server's RSS peak over its RSS after a small message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { quit } from '../kit/raw-smtp.js';
import { onlyFrom, openSession, tag } from '../kit/mail.js';

const MIB = 1024 * 1024;
let p: Petrel;
before(async () => {
  p = await startPetrel({ log: { level: 'warn' }, limits: { maxMessageSize: 64 * MIB } });
});
after(async () => {
  await p?.dispose();
});

function memoryKb(field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
}

async function send(from: string, bytes: number): Promise<void> {
  const c = await openSession(p.ports.mx);
  await c.cmd(`MAIL FROM:<${from}> SIZE=${bytes}`, '250');
  await c.cmd('RCPT TO:<postmaster@local.test>', '250');
  await c.cmd('DATA', '354');
  const line = Buffer.from('x'.repeat(998) + '\r\n');
  const block = Buffer.concat(Array.from({ length: 64 }, () => line)); // 64 KB
  for (let sent = 0; sent < bytes; sent += block.length) await c.write(block);
  await c.write('.\r\n');
  await c.expect('250', 'end of data');
  await quit(c);
}

test('a 50 MiB message grows the server by a few MiB at most', async (t) => {
  await send(`${tag('warm')}@remote.test`, 64 * 1024); // starts the commit thread etc.
  const before = memoryKb('VmRSS');
  const from = `${tag('big')}@remote.test`;
  await send(from, 50 * MIB);
  const growthMiB = (memoryKb('VmHWM') - before) / 1024;
  t.diagnostic(`RSS peak growth: ${growthMiB.toFixed(1)} MiB`);
  const id = (await onlyFrom(p, from)).id;
  assert.ok(statSync(join(p.dataDir, 'spool', id)).size >= 50 * MIB, 'the body is in the spool');
  assert.ok(growthMiB < 12, `RSS peak grew by ${growthMiB.toFixed(1)} MiB for a 50 MiB message`);
});
