import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gate, Scheduler } from './scheduler.js';
import { messageKey } from './client.js';

test('the scheduler runs due tasks in time order; a key replaced or cleared runs once or never', async () => {
  let now = 1000;
  const s = new Scheduler(() => now);
  const ran: string[] = [];
  s.set('b', 1002, () => ran.push('b'));
  s.set('a', 1001, () => ran.push('a'));
  s.set('c', 1001, () => ran.push('c-old'));
  s.set('c', 5000, () => ran.push('c'));
  s.set('x:1', 1000, () => ran.push('x1'));
  s.clearPrefix('x:');
  now = 2000; // a clock moved forward is noticed within the next (≤ 1 s) wake-up
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(ran, ['a', 'b']);
  s.stop();
});

test('the gate lets at most N run at once', async () => {
  const gate = new Gate(2);
  let active = 0;
  let peak = 0;
  const work = () => gate.run(async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 10));
    active--;
  });
  await Promise.all([work(), work(), work(), work(), work()]);
  assert.equal(peak, 2);
});

test('a message is known by its Message-ID, else by a digest', () => {
  assert.equal(messageKey(Buffer.from('Subject: x\r\nMessage-ID:\r\n <abc@x.test>\r\n\r\nbody')), '<abc@x.test>');
  assert.match(messageKey(Buffer.from('Subject: x\r\n\r\nMessage-ID: <not-a-header@x>\r\n')), /^sha256:[0-9a-f]{64}$/);
});
