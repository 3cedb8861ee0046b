// The collectors on a fresh registry: hook calls move the right series, scrape-time gauges read the
// database and the webhook backlog, and the exposition text has the petrel_ names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RecipientResult } from '../delivery/job.js';
import type { RecipientUpdate, StoredMessage } from '../queue/delivery-store.js';
import type { Envelope } from '../smtp/server/ports.js';
import { openDatabase } from '../store/db.js';
import { Metrics } from './metrics.js';

const fresh = () => new Metrics({ isSendingDomain: (d) => d === 'example.test', processMetrics: false });

async function value(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await m.registry.getSingleMetric(name)!.get();
  const match = metric.values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x));
  return match?.value;
}

const envelope = (sender: string): Envelope => ({
  sender, recipients: [{ address: 'bob@dest.test' }], body: '7BIT', smtputf8: false, authUser: null,
  client: { address: '127.0.0.1', port: 1, helo: 'x' }, tls: null, role: 'submission', listener: 'x', receivedAt: 1_000,
});

function result(route: RecipientResult['attempt']['route'], mx?: string, skipped = false): RecipientResult {
  return { idx: 0, outcome: { code: 250, enhanced: '2.0.0', text: 'ok', remote: true, phase: 'data' }, attempt: { startedAt: 0, durationMs: 1, route, ...(mx ? { mx } : {}), ...(skipped ? { skipped } : {}) } } as RecipientResult;
}

const update = (state: RecipientUpdate['state'], at: number) => ({ state, at }) as RecipientUpdate;
const message = (sender: string) => ({ envelope: envelope(sender), receivedAt: 1_000 }) as StoredMessage;

test('sessions and connections by role', async () => {
  const m = fresh();
  m.smtp.opened('mx');
  m.smtp.opened('mx');
  m.smtp.opened('submission');
  m.smtp.closed('mx');
  assert.equal(await value(m, 'petrel_smtp_connections_total', { role: 'mx' }), 2);
  assert.equal(await value(m, 'petrel_smtp_sessions', { role: 'mx' }), 1);
  assert.equal(await value(m, 'petrel_smtp_sessions', { role: 'submission' }), 1);
});

test('accepted messages: outbound by folded sending domain, inbound without one', async () => {
  const m = fresh();
  m.messageAccepted(envelope('alice@example.test'), 'outbound');
  m.messageAccepted(envelope('x@elsewhere.test'), 'outbound');
  m.messageAccepted(envelope(''), 'outbound');
  m.messageAccepted(envelope('x@elsewhere.test'), 'inbound');
  assert.equal(await value(m, 'petrel_messages_accepted_total', { direction: 'outbound', sending_domain: 'example.test' }), 1);
  assert.equal(await value(m, 'petrel_messages_accepted_total', { direction: 'outbound', sending_domain: 'other' }), 1);
  assert.equal(await value(m, 'petrel_messages_accepted_total', { direction: 'outbound', sending_domain: '<>' }), 1);
  assert.equal(await value(m, 'petrel_messages_accepted_total', { direction: 'inbound' }), 1);
});

test('delivery results: outcomes, reply classes by provider, latency; skipped attempts are not counted', async () => {
  const m = fresh();
  m.deliveryResult(result('mx', 'alt1.gmail-smtp-in.l.google.com'), update('delivered', 31_000), { class: 'success', reason: 'delivered' }, message('alice@example.test'));
  m.deliveryResult(result('mx', 'mx.example.net'), update('deferred', 2_000), { class: 'rate', reason: 'toomanyconn' }, message('alice@example.test'));
  m.deliveryResult(result('mx', 'mx.example.net', true), update('deferred', 2_000), { class: 'soft', reason: 'systemerror' }, message('alice@example.test'));
  assert.equal(await value(m, 'petrel_recipients_total', { outcome: 'delivered', sending_domain: 'example.test' }), 1);
  assert.equal(await value(m, 'petrel_recipients_total', { outcome: 'deferred', sending_domain: 'example.test' }), 1);
  assert.equal(await value(m, 'petrel_delivery_replies_total', { class: 'success', provider: 'gmail' }), 1);
  assert.equal(await value(m, 'petrel_delivery_replies_total', { class: 'rate', provider: 'other' }), 1);
  assert.equal(await value(m, 'petrel_delivery_replies_total', { class: 'soft' }), undefined);
  const text = await m.registry.metrics();
  assert.match(text, /petrel_delivery_latency_seconds_bucket\{le="15"\} 0/);
  assert.match(text, /petrel_delivery_latency_seconds_bucket\{le="30"\} 1/);
  assert.match(text, /petrel_delivery_latency_seconds_sum 30/);
});

test('DNS lookups and HTTP requests', async () => {
  const m = fresh();
  m.dnsLookup('MX', 0.003);
  m.httpRequest('GET', '/v1/messages/:id', 404);
  assert.match(await m.registry.metrics(), /petrel_dns_lookup_seconds_bucket\{le="0.005",type="MX"\} 1/);
  assert.equal(await value(m, 'petrel_http_requests_total', { route: '/v1/messages/:id', status: '404' }), 1);
});

test('queue by state and webhook backlog are read at scrape time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-metrics-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    db.prepare(`INSERT INTO messages (id, direction, state, received_at, sender, size, envelope) VALUES ('m1', 'outbound', 'queued', 0, '', 0, '{}')`).run();
    const rcpt = db.prepare(`INSERT INTO recipients (message_id, idx, address, state) VALUES ('m1', ?, 'a@b.test', ?)`);
    rcpt.run(0, 'queued');
    rcpt.run(1, 'queued');
    rcpt.run(2, 'delivered');
    const m = fresh();
    m.watchQueue(db);
    let backlog = 7;
    m.watchWebhooks(() => [{ id: 'wh1', url: 'http://127.0.0.1/x', backlog, failingSince: null }]);
    assert.equal(await value(m, 'petrel_queue_recipients', { state: 'queued' }), 2);
    assert.equal(await value(m, 'petrel_queue_recipients', { state: 'delivered' }), 1);
    assert.equal(await value(m, 'petrel_queue_recipients', { state: 'deferred' }), 0);
    assert.equal(await value(m, 'petrel_webhook_backlog_events', { endpoint: 'wh1' }), 7);
    backlog = 0;
    db.prepare(`UPDATE recipients SET state = 'delivered'`).run();
    assert.equal(await value(m, 'petrel_queue_recipients', { state: 'queued' }), 0);
    assert.equal(await value(m, 'petrel_webhook_backlog_events', { endpoint: 'wh1' }), 0);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('process metrics carry the petrel_ prefix', async () => {
  const m = new Metrics({ isSendingDomain: () => false });
  assert.match(await m.registry.metrics(), /^petrel_process_cpu_seconds_total /m);
});
