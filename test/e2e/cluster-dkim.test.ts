// Cluster mode, DKIM and traces: keys made with the CLI on node A (their PEM files only on A's disk)
// sign mail node B accepts and delivers, from the sealed copies in the shared table, and mailauth
// verifies them through the test DNS server. That message's trace, asked on node A, is node B's answer.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DnsRecord } from '../../src/auth/records.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { submit } from '../kit/delivery.js';
import { dkimResults } from '../kit/dkim.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const SINK_IP = '127.0.0.42';
const ZONE: Zone = {
  'sink.test': { MX: [{ preference: 10, exchange: 'mx.sink.test' }] },
  'mx.sink.test': { A: [SINK_IP] },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cluster: DKIM keys from the database, traces from any node', () => {
  let dns: TestDnsServer;
  let cluster: Cluster;
  let sink: Sink;
  let readKey: string;
  let messageId: string;

  before(async () => {
    const mxPort = await freePort();
    dns = await startDnsServer(ZONE);
    sink = await startSink(SINK_IP, mxPort);
    cluster = await startCluster(2, {
      setup: [...STANDARD_SETUP, { args: ['dkim', 'add', 'example.test', '--ed25519'] }],
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, mtaSts: { enabled: false }, sources: [{ address: '127.0.0.1' }] },
    });
    const [a] = cluster.nodes;
    const r = await a!.cli(['domain', 'records', 'example.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const published: Zone = { ...ZONE };
    for (const rec of (JSON.parse(r.stdout) as DnsRecord[]).filter((x) => x.type === 'TXT')) {
      published[rec.name] = { TXT: [...(published[rec.name]?.TXT ?? []), rec.strings] };
    }
    dns.setZone(published);
    const key = await a!.cli(['apikey', 'create', 'trace-reader', '--scope', 'read']);
    assert.equal(key.code, 0, key.stderr);
    readKey = key.stdout.trim();
  });

  after(async () => {
    await Promise.allSettled([cluster?.dispose(), sink?.stop(), dns?.close()]);
  });

  test('node B, which has no key files, signs with the keys node A made; both signatures verify', async () => {
    const [a, b] = cluster.nodes;
    assert.ok(existsSync(join(a!.dataDir, 'keys', 'dkim', 'example.test')), 'node A keeps its PEM files');
    assert.ok(!existsSync(join(b!.dataDir, 'keys', 'dkim')), 'node B has no PEM files');
    const subject = tag('cluster-dkim');
    messageId = await submit(b!, { to: ['someone@sink.test'], subject });
    const [got] = await sink.waitForContent(subject);
    const { summary, raw } = await dkimResults(got!.content, dns.server);
    assert.deepEqual(summary, [['pass', 'rsa-sha256', 'example.test'], ['pass', 'ed25519-sha256', 'example.test']], JSON.stringify(raw));
  });

  const trace = async (node: Petrel, id: string, extra: Record<string, string> = {}) => {
    const res = await fetch(`http://127.0.0.1:${node.ports.http}/v1/messages/${id}`, { headers: { authorization: `Bearer ${readKey}`, ...extra } });
    return { status: res.status, node: res.headers.get('x-petrel-node'), body: await res.text() };
  };

  test('GET /v1/messages/:id on node A answers what node B answers for its own message', async () => {
    assert.ok(messageId, 'the signing test queued a message');
    const [a, b] = cluster.nodes;
    // Events reach PostgreSQL within ~0.1 s and the delivered event may land between two reads: retry a bounded number of times.
    let here = await trace(a!, messageId);
    let there = await trace(b!, messageId);
    for (let i = 0; i < 40 && (here.status !== 200 || here.body !== there.body); i++) {
      await sleep(100);
      here = await trace(a!, messageId);
      there = await trace(b!, messageId);
    }
    assert.equal(there.status, 200, there.body);
    assert.equal(there.node, 'node-b');
    assert.equal(here.status, 200, here.body);
    assert.equal(here.node, 'node-b');
    assert.equal(here.body, there.body);
    assert.equal((JSON.parse(here.body) as { id: string }).id, messageId);
  });

  test('a relayed request is never relayed again, and an id no node knows is a 404', async () => {
    const [a] = cluster.nodes;
    const relayed = await trace(a!, messageId, { 'x-petrel-forwarded': '1' });
    assert.equal(relayed.status, 404, relayed.body);
    const unknown = await trace(a!, 'NOSUCHMESSAGE0');
    assert.equal(unknown.status, 404, unknown.body);
    assert.equal(unknown.node, null);
  });
});
