// /metrics against the real `petrel serve`: a message submitted with swaks and delivered locally moves
// the counters (accepted, delivered, queue by state, SMTP connections by role), and the text parses as
// the Prometheus exposition format. With http.publicMetrics false, a read key is needed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { submit, untilRecipients } from '../kit/delivery.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

/** `name{labels} value` (or `name value`); comments start with #. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?([0-9.e+-]+|NaN|\+Inf|-Inf)$/;

async function scrape(port: number, args: string[] = []): Promise<[number, string]> {
  const r = await curl(['-s', '-o', '-', '-w', '\n%{http_code}', ...args, `http://127.0.0.1:${port}/metrics`]);
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return [status, lines.join('\n')];
}

/** The value of the sample with exactly this name and these labels (in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  let p: Petrel;

  before(async () => {
    p = await startPetrel({ delivery: { enabled: true, pollIntervalMs: 200 } });
  });
  after(async () => p?.dispose());

  test('a submitted, locally delivered message moves the counters', async () => {
    const [, first] = await scrape(p.ports.http!);
    const probes = sample(first, 'petrel_smtp_connections_total', { role: 'submission' }) ?? 0; // the kit's readiness probes
    const id = await submit(p, { to: ['bob@local.test'] });
    await untilRecipients(p, id, ['delivered']);
    const [status, text] = await scrape(p.ports.http!);
    assert.equal(status, 200);
    assert.equal(sample(text, 'petrel_messages_accepted_total', { direction: 'outbound', sending_domain: 'example.test' }), 1);
    assert.equal(sample(text, 'petrel_recipients_total', { outcome: 'delivered', sending_domain: 'example.test' }), 1);
    assert.equal(sample(text, 'petrel_delivery_replies_total', { class: 'success', provider: 'local' }), 1);
    assert.equal(sample(text, 'petrel_delivery_latency_seconds_count'), 1);
    assert.equal(sample(text, 'petrel_queue_recipients', { state: 'queued' }), 0);
    assert.ok((sample(text, 'petrel_queue_recipients', { state: 'delivered' }) ?? 0) >= 1, 'the delivered recipient');
    assert.equal(sample(text, 'petrel_smtp_connections_total', { role: 'submission' }), probes + 1);
    assert.equal(sample(text, 'petrel_smtp_sessions', { role: 'submission' }), 0);
    assert.ok(sample(text, 'petrel_process_resident_memory_bytes')! > 0);
  });

  test('the text is Prometheus exposition format, and HTTP requests are counted by route', async () => {
    await curl(['-s', '-o', '/dev/null', `http://127.0.0.1:${p.ports.http}/healthz`]);
    const [, text] = await scrape(p.ports.http!);
    const bad = text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !SAMPLE.test(line));
    assert.deepEqual(bad, []);
    assert.match(text, /^# TYPE petrel_messages_accepted_total counter$/m);
    assert.equal(sample(text, 'petrel_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }), 1);
    assert.ok((sample(text, 'petrel_http_requests_total', { route: '/metrics', status: '200' }) ?? 0) >= 1);
  });
});

describe('/metrics with http.publicMetrics: false', () => {
  let p: Petrel;
  before(async () => {
    p = await startPetrel({ http: { publicMetrics: false } });
  });
  after(async () => p?.dispose());

  test('needs a read key', async () => {
    const [status] = await scrape(p.ports.http!);
    assert.equal(status, 401);
    const key = (await p.cli(['apikey', 'create', 'prometheus', '--scope', 'read'])).stdout.trim();
    const [ok, text] = await scrape(p.ports.http!, ['-H', `Authorization: Bearer ${key}`]);
    assert.equal(ok, 200);
    assert.match(text, /^petrel_queue_recipients\{state="queued"\} 0$/m);
  });
});
