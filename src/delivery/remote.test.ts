import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { ClientSession } from '../smtp/client/client.js';
import type { OutgoingMessage, Outcome, TransactionResult } from '../smtp/client/types.js';
import { createLogger } from '../util/log.js';
import type { SessionOpener } from './connection-pool.js';
import type { DeliveryJob } from './job.js';
import { RemoteDelivery, type RemoteLimits } from './remote.js';
import type { RemoteRoute } from './route.js';

const log = createLogger({ log: { level: 'silent' } } as Parameters<typeof createLogger>[0]);
const LIMITS: RemoteLimits = { global: 100, perDestination: 20, messagesPerConnection: 100, recipientsPerTransaction: 50, deadFailures: 3, deadBackoffMs: 60_000, maxReceivedHeaders: 50 };
const route = (key: string): RemoteRoute => ({ kind: 'remote', via: 'mx', key, policyDomain: 'example.com', hosts: [{ name: 'mx.example.com', ip: '192.0.2.1', port: 25, tls: { mode: 'none', verify: false } }], plaintextFallback: false });
const job = (n = 1, id = 'm'): DeliveryJob => ({
  messageId: id, domain: 'example.com', size: 10, envelope: { sender: 'a@example.org', body: '7BIT', smtputf8: false } as DeliveryJob['envelope'],
  recipients: Array.from({ length: n }, (_, i) => ({ idx: i, address: `r${i}@example.com`, attempts: 0 })),
  body: () => Readable.from([Buffer.from('Subject: x\r\n\r\nhi\r\n')]),
});
const ok: Outcome = { code: 250, enhanced: '2.0.0', text: 'ok', remote: true, phase: 'data-end' };

/** An opener whose sessions accept everything after `delayMs`; it records what was sent. */
function fakeOpener(o: { fail?: boolean; delayMs?: number } = {}) {
  const stats = { opens: 0, open: 0, maxOpen: 0, perKey: new Map<string, number>(), maxPerKey: 0, batches: [] as number[] };
  const opener = {
    async open(r: RemoteRoute) {
      stats.opens++;
      if (o.fail) return { ok: false as const, outcome: { code: 451, enhanced: '4.4.1', text: 'connection refused', remote: false, phase: 'connect' as const }, host: r.hosts[0] };
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      stats.perKey.set(r.key, (stats.perKey.get(r.key) ?? 0) + 1);
      stats.maxPerKey = Math.max(stats.maxPerKey, ...stats.perKey.values());
      let transactions = 0;
      const session = {
        info: { greeting: '', remoteAddress: '192.0.2.1', remotePort: 25, localAddress: '192.0.2.9', extensions: new Map(), tls: null, authenticated: false },
        usable: true,
        get transactions() { return transactions; },
        async send(m: OutgoingMessage): Promise<TransactionResult> {
          transactions++;
          stats.batches.push(m.recipients.length);
          await new Promise((r) => setTimeout(r, o.delayMs ?? 1));
          return { recipients: m.recipients.map(() => ok), pipelined: true, chunking: false };
        },
        async quit() { stats.open--; stats.perKey.set(r.key, stats.perKey.get(r.key)! - 1); },
        destroy() {},
      } as unknown as ClientSession;
      return { ok: true as const, opened: { session, host: r.hosts[0]! } };
    },
  } as unknown as SessionOpener;
  return { opener, stats };
}

test('transactions carry at most recipientsPerTransaction recipients', async () => {
  const { opener, stats } = fakeOpener();
  const results = await new RemoteDelivery(opener, LIMITS, log).deliver(route('d'), job(120));
  assert.deepEqual(stats.batches, [50, 50, 20]);
  assert.equal(results.length, 120);
  assert.ok(results.every((r) => r.outcome.code === 250 && r.attempt.ip === '192.0.2.1'));
});

test('connections per destination and in total stay within their limits; each carries messagesPerConnection', async () => {
  const { opener, stats } = fakeOpener({ delayMs: 5 });
  const remote = new RemoteDelivery(opener, { ...LIMITS, global: 3, perDestination: 2, messagesPerConnection: 2 }, log);
  const jobs = ['a', 'b'].flatMap((key) => Array.from({ length: 6 }, (_, i) => remote.deliver(route(key), job(1, `${key}${i}`))));
  await Promise.all(jobs);
  assert.ok(stats.maxPerKey <= 2, `per destination ${stats.maxPerKey}`);
  assert.ok(stats.maxOpen <= 3, `in total ${stats.maxOpen}`);
  assert.ok(stats.opens >= 6, `12 messages at 2 per connection need at least 6 connections, got ${stats.opens}`);
});

test('after deadFailures failed connections the destination pauses: later jobs are not tried', async () => {
  const { opener, stats } = fakeOpener({ fail: true });
  const remote = new RemoteDelivery(opener, { ...LIMITS, perDestination: 1 }, log);
  const first = await Promise.all(Array.from({ length: 5 }, (_, i) => remote.deliver(route('dead'), job(1, `m${i}`))));
  assert.equal(stats.opens, 3);
  assert.deepEqual(first.map((r) => r[0]!.attempt.skipped === true), [false, false, false, true, true]);
  const later = await remote.deliver(route('dead'), job(1, 'late'));
  assert.equal(stats.opens, 3, 'not tried while paused');
  assert.equal(later[0]!.attempt.skipped, true);
  assert.match(later[0]!.outcome.text, /retry in 60 seconds/);
  assert.equal(later[0]!.outcome.code, 451);
});
