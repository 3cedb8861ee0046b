// Webhooks end to end: a real `petrel serve` posts events to a real HTTP receiver that checks every
// signature the way docs/webhooks.md shows, fails and hangs on purpose, and sees Petrel killed mid-batch.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { EventStore } from '../../src/events/store.js';
import type { EventType } from '../../src/events/types.js';
import { openDatabase } from '../../src/store/db.js';
import { eventually, submit } from '../kit/delivery.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';

const SECRET = 'whsec_e2e-config-secret';

/** The check of docs/webhooks.md: HMAC-SHA256 over "t.body", constant-time compare, 5-minute window. */
function verify(secret: string, header: string, body: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300 || !fields.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(fields.v1);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type Behaviour = 'ok' | 'fail' | 'hang' | 'accept-then-hang';
interface Delivery {
  ids: number[];
  types: string[];
  messageIds: (string | null)[];
  headers: IncomingMessage['headers'];
}

/** An HTTP receiver whose answers follow `plan` (by request number, from 1); 'ok' once the plan ends. */
class Receiver {
  readonly accepted: Delivery[] = [];
  requests = 0;
  badSignatures = 0;
  hanging = 0;
  plan: Behaviour[] = [];
  private server: Server = createServer((req, res) => void this.handle(req, res));

  constructor(public secret: string) {}

  /** The answer to the next request. */
  answerNext(b: Behaviour): void {
    this.plan[this.requests] = b;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Every accepted event id, in the order received. */
  get ids(): number[] {
    return this.accepted.flatMap((d) => d.ids);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const behaviour = this.plan[this.requests++] ?? 'ok';
    if (!verify(this.secret, String(req.headers['petrel-signature']), body)) {
      this.badSignatures++;
      res.writeHead(400).end();
      return;
    }
    if (behaviour === 'fail') return void res.writeHead(500).end('try later');
    const events = (JSON.parse(body) as { events: { id: number; type: string; messageId: string | null }[] }).events;
    const delivery = { ids: events.map((e) => e.id), types: events.map((e) => e.type), messageIds: events.map((e) => e.messageId), headers: req.headers };
    if (behaviour === 'hang' || behaviour === 'accept-then-hang') {
      if (behaviour === 'accept-then-hang') this.accepted.push(delivery);
      this.hanging++;
      return; // never answers; closeAllConnections ends it
    }
    this.accepted.push(delivery);
    res.writeHead(204).end();
  }
}

let p: Petrel;
let receiver: Receiver;
let url: string;

/** Append events of `types` straight into Petrel's database (a second connection; WAL). */
function appendEvents(...types: EventType[]): void {
  const db = openDatabase(join(p.dataDir, 'petrel.db'));
  try {
    new EventStore(db).append(types.map((type, i) => ({ at: Date.now(), type, recipient: `r${i}@remote.test`, messageId: `E2E${i}` })));
  } finally {
    db.close();
  }
}

function eventIds(afterId: number, types: EventType[] = []): number[] {
  const db = openDatabase(join(p.dataDir, 'petrel.db'));
  try {
    return new EventStore(db).list({ afterId, types, limit: 1_000_000 }).map((e) => e.id);
  } finally {
    db.close();
  }
}

interface WebhookView {
  id: string;
  url: string;
  origin: string;
  events: string[];
  cursor: number;
  backlog: number;
  failures: number;
  lastError: string | null;
}

async function webhookList(): Promise<WebhookView[]> {
  const r = await p.cli(['webhook', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as WebhookView[];
}

const until = <T>(check: () => T | undefined | false, what: () => string, ms = 30_000) =>
  eventually(check, () => `${what()}\n--- logs ---\n${p.logs.slice(-3000)}`, ms);

before(async () => {
  receiver = new Receiver(SECRET);
  url = await receiver.listen();
  p = await startPetrel({ env: { HOOK_SECRET: SECRET, PETREL_WEBHOOK_RETRY_BASE_MS: '50' } });
  // The test kit writes no webhooks section: add one and restart, so serve syncs it from the file.
  const config = YAML.parse(readFileSync(p.configPath, 'utf8')) as Record<string, unknown>;
  config.webhooks = { endpoints: [{ url, secretEnv: 'HOOK_SECRET' }], batchSize: 5, timeoutMs: 3000 };
  writeFileSync(p.configPath, YAML.stringify(config));
  await p.restart();
});
after(async () => {
  await p?.dispose();
  await receiver?.close();
});

describe('webhooks from the config file', () => {
  test('every event arrives once, in id order, signed, through failures, a timeout, and a kill', async () => {
    const [endpoint] = await webhookList();
    assert.ok(endpoint);
    assert.match(endpoint.id, /^cfg-[0-9a-f]{12}$/);
    assert.equal(endpoint.origin, 'config');
    const start = endpoint.cursor;
    receiver.plan = ['fail', 'fail', 'fail', 'hang'];
    appendEvents(...Array.from({ length: 23 }, (_, i): EventType => (i % 3 === 0 ? 'accepted' : i % 3 === 1 ? 'delivered' : 'bounced')));
    const expected = eventIds(start);
    assert.equal(expected.length, 23);
    await until(() => receiver.ids.length >= 23, () => `received ${JSON.stringify(receiver.ids)}`);
    assert.deepEqual(receiver.ids, expected, 'each event once, in id order');
    assert.equal(receiver.requests, 4 + 5, 'three 500s, one timeout, then five batches of at most 5');
    assert.equal(receiver.badSignatures, 0);
    const headers = receiver.accepted[0]!.headers;
    assert.equal(headers['petrel-webhook-id'], endpoint.id);
    assert.match(String(headers['user-agent']), /^Petrel\/\d+\.\d+\.\d+/);
    assert.match(String(headers['content-type']), /^application\/json/);
    assert.match(p.logs, /"event":"webhook-failed".*"error":"HTTP 500"/);
    assert.match(p.logs, /"event":"webhook-failed".*"error":"no answer within 3000 ms"/);
    assert.ok(!p.logs.includes(SECRET), 'the secret is never logged');
    const [caughtUp] = await webhookList();
    assert.deepEqual([caughtUp!.cursor, caughtUp!.backlog, caughtUp!.failures, caughtUp!.lastError], [expected.at(-1), 0, 0, null]);

    // Kill Petrel while the receiver holds a batch it has already taken, then add more and restart.
    const before = receiver.ids.length;
    receiver.answerNext('accept-then-hang');
    appendEvents('accepted', 'delivered', 'deferred');
    await until(() => receiver.hanging === 2, () => 'the request to hang on');
    await p.kill9();
    appendEvents('bounced', 'accepted', 'delivered', 'complained', 'accepted', 'delivered', 'expired');
    await p.restart();
    const all = eventIds(start);
    await until(() => new Set(receiver.ids).size === all.length, () => `received ${JSON.stringify(receiver.ids)}`);
    const inFlight = receiver.accepted.find((d) => d.ids.includes(all[23]!))!.ids;
    const late = receiver.ids.slice(before);
    assert.deepEqual(late.slice(0, inFlight.length), inFlight, 'the batch in flight at the kill ...');
    assert.deepEqual(late.slice(inFlight.length), all.slice(23), '... is sent again, then the rest in order');
    assert.equal(receiver.badSignatures, 0);
  });
});

describe('a real submission', () => {
  test('an accepted message reaches the webhook as accepted events with its queue id', async () => {
    const id = await submit(p, { to: ['someone@remote.test', 'other@remote.test'] });
    const found = await until(
      () => {
        const hits = receiver.accepted.flatMap((d) => d.messageIds.map((m, i) => [m, d.types[i]]).filter(([m]) => m === id));
        return hits.length >= 2 ? hits : undefined;
      },
      () => `no events of ${id} at the receiver`,
    );
    assert.deepEqual(found.map(([, type]) => type), ['accepted', 'accepted']);
  });
});

describe('petrel webhook', () => {
  let other: Receiver;
  let hookId = '';
  let secret = '';

  before(async () => {
    other = new Receiver('');
  });
  after(() => other.close());

  test('add prints the secret once; the running server sends only the chosen types', async () => {
    const otherUrl = await other.listen();
    const r = await p.cli(['webhook', 'add', otherUrl, '--events', 'bounced,complained']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^added webhook (wh_[0-9a-f]{12}) -> (\S+)\nsecret: (whsec_[A-Za-z0-9_-]{43})\n/.exec(r.stdout);
    assert.ok(m, r.stdout);
    [hookId, secret] = [m[1]!, m[3]!];
    other.secret = secret;
    const listed = (await webhookList()).find((w) => w.id === hookId)!;
    assert.deepEqual([listed.url, listed.origin, listed.events, listed.backlog], [otherUrl, 'cli', ['bounced', 'complained'], 0]);
    assert.equal(listed.cursor, eventIds(0).at(-1), 'starts at the newest event');
    for (const file of ['petrel.db', 'petrel.db-wal']) assert.ok(!readFileSync(join(p.dataDir, file)).includes(secret), 'stored sealed');
    appendEvents('accepted', 'bounced', 'delivered', 'complained');
    const wanted = eventIds(listed.cursor, ['bounced', 'complained']);
    await until(() => other.ids.length >= 2, () => `other received ${JSON.stringify(other.ids)}`);
    assert.deepEqual(other.ids, wanted);
    assert.equal(other.badSignatures, 0);
  });

  test('list shows the table, test sends a signed test event, remove deletes', async () => {
    const table = await p.cli(['webhook', 'list']);
    assert.match(table.stdout, /^ID\s+URL\s+EVENTS\s+CURSOR\s+BACKLOG\s+FAILING SINCE\s+LAST ERROR/);
    assert.match(table.stdout, new RegExp(`${hookId}\\s+\\S+\\s+bounced,complained\\s+\\d+\\s+0\\s+-\\s+-`));
    const before = other.accepted.length;
    const t = await p.cli(['webhook', 'test', hookId]);
    assert.deepEqual([t.code, t.stdout], [0, 'HTTP 204\n'], t.stderr);
    const sent = other.accepted[before]!;
    assert.deepEqual([sent.ids, sent.types], [[0], ['test']]);
    other.answerNext('fail');
    const failed = await p.cli(['webhook', 'test', hookId]);
    assert.deepEqual([failed.code, failed.stdout], [1, 'HTTP 500\n'], failed.stderr);
    const cfg = await p.cli(['webhook', 'test', (await webhookList())[0]!.id]);
    assert.match(cfg.stderr, /environment variable HOOK_SECRET is not set/, 'the CLI needs the config secret too');
    assert.equal((await p.cli(['webhook', 'remove', hookId])).stdout, `removed webhook ${hookId}\n`);
    assert.ok(!(await webhookList()).some((w) => w.id === hookId));
    assert.equal((await p.cli(['webhook', 'remove', hookId])).code, 1);
    assert.equal((await p.cli(['webhook', 'test', hookId])).code, 1);
  });

  test('--from-start and bad arguments', async () => {
    const r = await p.cli(['webhook', 'add', 'https://hooks.example.test/x', '--from-start']);
    const id = /added webhook (\S+)/.exec(r.stdout)![1]!;
    const listed = (await webhookList()).find((w) => w.id === id)!;
    assert.deepEqual([listed.cursor, listed.backlog], [0, eventIds(0).length]);
    await p.cli(['webhook', 'remove', id]);
    assert.equal((await p.cli(['webhook', 'add', 'ftp://hooks.example.test/x'])).code, 2);
    assert.equal((await p.cli(['webhook', 'add', 'not a url'])).code, 2);
    const bad = await p.cli(['webhook', 'add', 'https://hooks.example.test/x', '--events', 'accepted,opened']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown event type "opened"/);
  });

  test('serve refuses to start when a secretEnv is unset', async () => {
    const r = await p.cli(['serve']); // the test process has no HOOK_SECRET
    assert.equal(r.code, 2);
    assert.match(r.stderr, /webhooks\.endpoints\.0\.secretEnv: environment variable HOOK_SECRET is not set/);
  });
});
