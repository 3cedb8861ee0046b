import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { EventStore } from '../events/store.js';
import type { EventType } from '../events/types.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { createLogger } from '../util/log.js';
import { WebhookDispatcher, type DispatcherOptions } from './dispatcher.js';
import type { PostOutcome, WebhookRequest } from './request.js';
import { verifySignature } from './signature.js';
import { WebhookStore } from './store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const log = createLogger({ log: { level: 'silent' } });

let tmp: TempStore;
let store: WebhookStore;
let clock: number;
let sent: { ids: number[]; req: WebhookRequest }[];
let answer: () => PostOutcome;

const OK: PostOutcome = { ok: true, status: 204 };
const FAIL: PostOutcome = { ok: false, status: 500, error: 'HTTP 500', aborted: false };

beforeEach(() => {
  tmp = makeTempStore();
  store = new WebhookStore(tmp.db);
  clock = T0;
  sent = [];
  answer = () => OK;
});
afterEach(() => tmp.cleanup());

function dispatcher(extra: Partial<DispatcherOptions> = {}): WebhookDispatcher {
  return new WebhookDispatcher({
    store, secretOf: () => 'whsec_unit', batchSize: 3, timeoutMs: 1000, retryHours: 24, userAgent: 'Petrel/test', log,
    backoff: { baseMs: 10_000, capMs: HOUR }, now: () => clock, random: () => 0,
    post: async (req) => {
      sent.push({ ids: (JSON.parse(req.body) as { events: { id: number }[] }).events.map((e) => e.id), req });
      return answer();
    },
    ...extra,
  });
}

function addEvents(...types: EventType[]): void {
  new EventStore(tmp.db).append(types.map((type, i) => ({ at: T0 + i, type, recipient: `r${i}@example.test` })));
}

function addEndpoint(events: EventType[] = [], cursor = 0): void {
  store.add({ id: 'wh_1', url: 'http://127.0.0.1:9/hook', secret: '', events, origin: 'cli', createdAt: T0, cursor });
}

describe('WebhookDispatcher', () => {
  test('sends batches in id order, signed, and moves the cursor after each 2xx', async () => {
    addEndpoint();
    addEvents('accepted', 'delivered', 'accepted', 'bounced', 'deferred', 'delivered', 'accepted');
    await dispatcher().wake();
    assert.deepEqual(sent.map((s) => s.ids), [[1, 2, 3], [4, 5, 6], [7]]);
    assert.equal(store.get('wh_1')!.cursor, 7);
    const { req } = sent[0]!;
    assert.ok(verifySignature('whsec_unit', req.headers['Petrel-Signature']!, req.body, T0 / 1000));
    assert.equal(req.headers['Petrel-Webhook-Id'], 'wh_1');
    assert.equal(req.headers['User-Agent'], 'Petrel/test');
    assert.equal(req.headers['Content-Type'], 'application/json');
  });

  test('only the event types of the filter are sent or counted in the backlog', async () => {
    addEndpoint(['bounced', 'deferred']);
    addEvents('accepted', 'bounced', 'delivered', 'deferred', 'bounced', 'accepted');
    const d = dispatcher();
    assert.deepEqual(d.backlog().map((b) => b.backlog), [3]);
    await d.wake();
    assert.deepEqual(sent.map((s) => s.ids), [[2, 4, 5]]);
    assert.equal(store.get('wh_1')!.cursor, 5);
    assert.deepEqual(d.backlog().map((b) => b.backlog), [0]);
  });

  test('a failure keeps the cursor and waits the backoff before the same batch is sent again', async () => {
    addEndpoint();
    addEvents('accepted', 'delivered');
    answer = () => FAIL;
    const d = dispatcher();
    await d.wake();
    let w = store.get('wh_1')!;
    assert.deepEqual([w.cursor, w.failures, w.failingSince, w.nextAttemptAt, w.lastError], [0, 1, T0, T0 + 10_000, 'HTTP 500']);
    clock += 9_999;
    await d.wake();
    assert.equal(sent.length, 1, 'not before it is due');
    clock += 1;
    await d.wake();
    w = store.get('wh_1')!;
    assert.deepEqual([w.failures, w.failingSince, w.nextAttemptAt], [2, T0, T0 + 10_000 + 20_000]);
    clock = w.nextAttemptAt!;
    answer = () => OK;
    await d.wake();
    assert.deepEqual(sent.map((s) => s.ids), [[1, 2], [1, 2], [1, 2]]);
    w = store.get('wh_1')!;
    assert.deepEqual([w.cursor, w.failures, w.failingSince, w.nextAttemptAt, w.lastError], [2, 0, null, null, null]);
  });

  test('a batch failing for retryHours is recorded, skipped, and the next one is sent', async () => {
    addEndpoint();
    addEvents('accepted', 'delivered', 'bounced', 'accepted');
    answer = () => (sent.length <= 3 ? FAIL : OK);
    const d = dispatcher();
    await d.wake();
    clock = T0 + 24 * HOUR - 1;
    await d.wake();
    assert.equal(store.get('wh_1')!.cursor, 0, 'still retrying just before retryHours');
    clock = store.get('wh_1')!.nextAttemptAt!; // past T0 + 24 h
    await d.wake();
    assert.deepEqual(sent.map((s) => s.ids), [[1, 2, 3], [1, 2, 3], [1, 2, 3], [4]]);
    assert.equal(store.get('wh_1')!.cursor, 4);
    assert.deepEqual(store.failures('wh_1'), [{ firstEvent: 1, lastEvent: 3, droppedAt: clock, error: 'HTTP 500' }]);
  });

  test('no secret: the attempt fails without a request', async () => {
    addEndpoint();
    addEvents('accepted');
    await dispatcher({ secretOf: () => null }).wake();
    assert.equal(sent.length, 0);
    assert.equal(store.get('wh_1')!.lastError, 'signing secret unavailable');
  });

  test('stop aborts a request in flight without counting it as a failure', async () => {
    addEndpoint();
    addEvents('accepted');
    const d = dispatcher({
      post: (_req, _timeout, stop) =>
        new Promise((resolve) => stop.addEventListener('abort', () => resolve({ ok: false, status: null, error: 'stopped', aborted: true }))),
    });
    const run = d.wake();
    await d.stop();
    await run;
    const w = store.get('wh_1')!;
    assert.deepEqual([w.cursor, w.failures, w.lastError], [0, 0, null]);
  });

  test('a cursor moved by someone else during the request is not overwritten', async () => {
    addEndpoint();
    addEvents('accepted', 'accepted');
    const d = dispatcher({
      post: async () => {
        tmp.db.prepare("UPDATE webhooks SET cursor = 2 WHERE id = 'wh_1'").run();
        return OK;
      },
    });
    await d.wake();
    assert.equal(store.get('wh_1')!.cursor, 2);
  });
});
