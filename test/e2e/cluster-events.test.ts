// Cluster mode, events: one ordered stream of every node's events, and a webhook endpoint that gets each
// of them exactly once, in order, while the node sending to it is killed and another takes over.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { apiOf } from '../kit/api.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { eventuallyAsync, submit } from '../kit/delivery.js';
import type { Petrel } from '../kit/petrel.js';

/** Records every signed POST it answers 204 to: the event ids of each, in arrival order. */
class Receiver {
  readonly deliveries: number[][] = [];
  secret = '';
  badSignatures = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get ids(): number[] {
    return this.deliveries.flat();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const sig = Object.fromEntries(String(req.headers['petrel-signature']).split(',').map((kv) => kv.split('=', 2)));
    if (createHmac('sha256', this.secret).update(`${sig.t}.${body}`).digest('hex') !== sig.v1) {
      this.badSignatures++;
      return void res.writeHead(400).end();
    }
    this.deliveries.push((JSON.parse(body) as { events: { id: number }[] }).events.map((e) => e.id));
    res.writeHead(204).end();
  }
}

let cluster: Cluster;
const receiver = new Receiver();

before(async () => {
  cluster = await startCluster(3);
});
after(async () => {
  await receiver.close();
  await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let sent = 0;
const send = (p: Petrel) => submit(p, { to: [`r${++sent}@example.net`], subject: `round ${sent}` });

async function sql(query: string): Promise<string[]> {
  return (await cluster.pg.psql(query)).split('\n').filter((l) => l !== '');
}

async function holderOf(webhook: string): Promise<string | undefined> {
  return (await sql(`SELECT holder FROM leases WHERE name = 'webhook:${webhook}' AND expires_at > now()`))[0];
}

test('every node lists all nodes\' events in one order; a webhook gets each exactly once across a kill -9 of its sender', async () => {
  const nodes = cluster.nodes;
  const url = await receiver.listen();
  const added = await nodes[0]!.cli(['webhook', 'add', url]);
  assert.equal(added.code, 0, added.stderr);
  const id = /added webhook (\S+)/.exec(added.stdout)![1]!;
  receiver.secret = /secret: (\S+)/.exec(added.stdout)![1]!;
  // The holder puts the cursor in PostgreSQL when it takes the endpoint: the stream starts after it.
  const start = Number(await eventuallyAsync(async () => (await sql(`SELECT cursor FROM webhook_cursors WHERE webhook_id = '${id}'`))[0], () => 'no cursor for the endpoint', 15_000));
  for (let round = 0; round < 3; round++) for (const p of nodes) await send(p);

  const api = await apiOf(nodes[2]!);
  const listed = await eventuallyAsync(async () => {
    const r = await api.call('GET', '/v1/events?type=accepted&limit=500', { as: 'read' });
    const events = r.body.data as { id: number; node: string }[];
    return events.length >= 9 ? events : undefined;
  }, () => 'node C does not list the 9 accepted events', 15_000);
  assert.ok(listed.every((e, i) => i === 0 || e.id > listed[i - 1]!.id), 'ids strictly increasing');
  assert.deepEqual(new Set(listed.map((e) => e.node)), new Set(['node-a', 'node-b', 'node-c']));

  const holder = (await holderOf(id))!;
  const victim = nodes.find((_, i) => ['node-a', 'node-b', 'node-c'][i] === holder)!;
  const others = nodes.filter((p) => p !== victim);
  await send(others[0]!);
  await victim.kill9();
  await sleep(500); // a request the victim had under way is recorded by now; no other node may send yet
  const beforeTakeover = receiver.deliveries.length;
  for (let round = 0; round < 2; round++) for (const p of others) await send(p);
  const successor = await eventuallyAsync(async () => {
    const h = await holderOf(id);
    return h !== undefined && h !== holder ? h : undefined;
  }, () => 'no node took the endpoint over', 15_000);
  assert.notEqual(successor, holder);
  await victim.restart();
  for (const p of nodes) await send(p);

  // Up to the end of the stream once every node has shipped its events.
  const expected = await eventuallyAsync(async () => {
    const ids = (await sql(`SELECT id FROM events WHERE id > ${start} ORDER BY id`)).map(Number);
    return ids.length >= sent && ids.at(-1)! <= Math.max(0, ...receiver.ids) ? ids : undefined;
  }, () => `the receiver got ${receiver.ids.length} events, up to ${Math.max(0, ...receiver.ids)}`, 30_000);

  assert.equal(receiver.badSignatures, 0);
  // The one duplicate window: the victim's last request answered 2xx before its cursor moved.
  const mayRepeat = new Set(receiver.deliveries[beforeTakeover - 1] ?? []);
  const seen = new Set<number>();
  const firsts: number[] = [];
  for (const n of receiver.ids) {
    if (!seen.has(n)) (seen.add(n), firsts.push(n));
    else assert.ok(mayRepeat.has(n), `event ${n} was sent twice`);
  }
  assert.deepEqual(firsts, expected, 'every event once, in stream order');
});
