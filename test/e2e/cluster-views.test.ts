// Cluster mode, the operator's views: `petrel node list` and GET /v1/nodes show every node with its
// slot, API address and liveness (a node killed -9 turns dead), `webhook list` shows the holder and the
// cursor kept in PostgreSQL, and the events table says on which node each event happened.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { apiOf, type Api } from '../kit/api.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { eventuallyAsync, submit } from '../kit/delivery.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

interface NodeRow { name: string; slot: number; apiUrl: string | null; alive: boolean }
interface NodesView { cluster: boolean; self?: string; sharedState?: string; backlog?: { rows: number; events: number }; nodes: NodeRow[] }
interface WebhookRow { id: string; cursor: number; backlog: number; holder?: string | null }

let cluster: Cluster;
let apiA: Api;
let posts = 0;
// Answers every POST 204: the webhook's cursor moves once a batch is accepted.
const receiver = createServer((req, res) => {
  req.resume().on('end', () => {
    posts++;
    res.writeHead(204).end();
  });
});

before(async () => {
  cluster = await startCluster(2);
  apiA = await apiOf(cluster.nodes[0]!);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await cluster?.dispose();
});

async function json<T>(p: Petrel, args: string[]): Promise<T> {
  const r = await p.cli(args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

function assertBothAlive(view: NodesView, self: string): void {
  assert.equal(view.cluster, true);
  assert.equal(view.self, self);
  assert.equal(view.sharedState, 'ok');
  assert.equal(typeof view.backlog?.rows, 'number');
  assert.deepEqual(view.nodes.map((n) => n.name), ['node-a', 'node-b']);
  assert.deepEqual(new Set(view.nodes.map((n) => n.slot)).size, 2, 'distinct slots');
  for (const n of view.nodes) {
    assert.ok(n.alive, `${n.name} alive`);
    assert.match(n.apiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+/, `${n.name} has its API address`);
  }
}

test('node list on B and GET /v1/nodes on A list both nodes alive', async () => {
  const [a, b] = cluster.nodes;
  assertBothAlive(await json<NodesView>(b!, ['node', 'list', '--json']), 'node-b');
  const r = await apiA.call('GET', '/v1/nodes', { as: 'read' });
  assert.equal(r.status, 200, r.text);
  assertBothAlive(r.body as NodesView, 'node-a');
  assert.equal((r.body as NodesView).nodes.find((n) => n.name === 'node-a')!.apiUrl, `http://127.0.0.1:${a!.ports.http}`);
  const table = await b!.cli(['node', 'list']);
  assert.match(table.stdout, /^NAME\s+SLOT\s+ALIVE/m);
  assert.match(table.stdout, /^node-b \*/m, 'the answering node is marked');
});

test('webhook list shows the holder and the cursor from PostgreSQL; the events table has a NODE column', async () => {
  const a = cluster.nodes[0]!;
  const { port } = receiver.address() as AddressInfo;
  const added = await a.cli(['webhook', 'add', `http://127.0.0.1:${port}/hook`]);
  assert.equal(added.code, 0, added.stderr);
  const id = /added webhook (\S+)/.exec(added.stdout)![1]!;
  await submit(a, { to: ['someone@example.net'] });
  const listed = await eventuallyAsync(async () => {
    const w = (await json<WebhookRow[]>(a, ['webhook', 'list', '--json'])).find((x) => x.id === id);
    return w && w.holder && w.cursor > 0 && w.backlog === 0 && posts > 0 ? w : undefined;
  }, () => `webhook ${id}: no holder, or its cursor did not move past the accepted mail`, 15_000);
  assert.ok(['node-a', 'node-b'].includes(listed.holder!));
  const viaApi = await apiA.call('GET', '/v1/webhooks');
  const row = (viaApi.body.data as WebhookRow[]).find((x) => x.id === id)!;
  assert.equal(row.holder, listed.holder);
  assert.ok(row.cursor >= listed.cursor);

  const events = await a.cli(['events', 'list', '--type', 'accepted']);
  assert.equal(events.code, 0, events.stderr);
  assert.match(events.stdout, /^TIME\s+NODE\s+TYPE/m);
  assert.match(events.stdout, /\snode-a\s+accepted\s/);
});

test('a node killed -9 shows as not alive on the other once its heartbeat is older than deadAfterSeconds', async () => {
  await cluster.nodes[1]!.kill9();
  const view = await eventuallyAsync(async () => {
    const r = await apiA.call('GET', '/v1/nodes', { as: 'read' });
    const v = r.body as NodesView;
    return v.nodes.find((n) => n.name === 'node-b')?.alive === false ? v : undefined;
  }, () => 'node-b still alive in node A\'s view', 10_000); // deadAfterSeconds is 3 in the kit
  assert.equal(view.nodes.find((n) => n.name === 'node-a')!.alive, true);
});

test("a dead node's data directory started elsewhere takes over its name; another name is refused", async () => {
  const b = cluster.nodes[1]!;
  const before = (await json<NodesView>(cluster.nodes[0]!, ['node', 'list', '--json'])).nodes.find((n) => n.name === 'node-b')!;
  // The moved volume on a machine with another host name and no node.name in its config.
  const config = YAML.parse(readFileSync(b.configPath, 'utf8')) as { node: Record<string, unknown> };
  delete config.node.name;
  writeFileSync(b.configPath, YAML.stringify(config));
  await b.restart();
  const view = await json<NodesView>(b, ['node', 'list', '--json']);
  assert.equal(view.self, 'node-b');
  const row = view.nodes.find((n) => n.name === 'node-b')!;
  assert.equal(row.slot, before.slot, 'the same row-id slot');
  assert.equal(row.alive, true);
  assert.deepEqual(view.nodes.map((n) => n.name), ['node-a', 'node-b'], 'no new node registered');
  await b.stop();
  config.node.name = 'node-z';
  writeFileSync(b.configPath, YAML.stringify(config));
  await assert.rejects(b.restart(), /node node-b's/);
});

test('a single node is not a cluster', async () => {
  const p = await startPetrel({ setup: [] });
  try {
    const text = await p.cli(['node', 'list']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, 'not a cluster (store.postgres is not set)\n');
    assert.deepEqual(await json(p, ['node', 'list', '--json']), { cluster: false });
    const key = await p.cli(['apikey', 'create', 'views', '--scope', 'read']);
    assert.equal(key.code, 0, key.stderr);
    const r = await curl(['-H', `Authorization: Bearer ${key.stdout.trim()}`, `http://127.0.0.1:${p.ports.http}/v1/nodes`]);
    assert.deepEqual(JSON.parse(r.stdout), { cluster: false, nodes: [] });
  } finally {
    await p.dispose();
  }
});
