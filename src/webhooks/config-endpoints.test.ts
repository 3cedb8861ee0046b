import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { ConfigError } from '../config/errors.js';
import { EventStore } from '../events/store.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { checkWebhookSecrets, configEndpointId, syncConfigEndpoints } from './config-endpoints.js';
import { sealWebhookSecret, secretResolver } from './secrets.js';
import { WebhookStore } from './store.js';

let tmp: TempStore;
let store: WebhookStore;
beforeEach(() => {
  tmp = makeTempStore();
  store = new WebhookStore(tmp.db);
});
afterEach(() => tmp.cleanup());

const A = { url: 'https://a.example/hook', secretEnv: 'HOOK_A', events: [] };
const B = { url: 'https://b.example/hook', secretEnv: 'HOOK_B', events: ['bounced' as const] };

test('config ids are stable per URL', () => {
  assert.match(configEndpointId(A.url), /^cfg-[0-9a-f]{12}$/);
  assert.equal(configEndpointId(A.url), configEndpointId(A.url));
  assert.notEqual(configEndpointId(A.url), configEndpointId(B.url));
});

test('an unset secretEnv is a ConfigError naming the setting', () => {
  const config = { webhooks: { endpoints: [A, B], batchSize: 100, timeoutMs: 10_000, retryHours: 24 } };
  assert.throws(() => checkWebhookSecrets(config, { HOOK_A: 'x' }), (err) =>
    err instanceof ConfigError && err.message === 'webhooks.endpoints.1.secretEnv: environment variable HOOK_B is not set');
  assert.doesNotThrow(() => checkWebhookSecrets(config, { HOOK_A: 'x', HOOK_B: 'y' }));
});

test('sync adds new endpoints at the newest event, keeps cursors, follows filters, removes the gone', () => {
  new EventStore(tmp.db).append([{ at: 1, type: 'accepted' }, { at: 2, type: 'bounced' }]);
  assert.deepEqual(syncConfigEndpoints(store, [A], 10), { added: [configEndpointId(A.url)], removed: [] });
  const a = store.get(configEndpointId(A.url))!;
  assert.deepEqual([a.cursor, a.origin, a.secret, a.events], [2, 'config', '', []]);
  store.advance(a.id, 2, 1); // pretend it is behind
  syncConfigEndpoints(store, [{ ...A, events: ['delivered'] }, B], 20);
  assert.deepEqual([store.get(a.id)!.cursor, store.get(a.id)!.events], [1, ['delivered']]);
  assert.deepEqual(syncConfigEndpoints(store, [B], 30), { added: [], removed: [a.id] });
  assert.equal(store.get(a.id), null);
});

test('CLI secrets are sealed per endpoint; config secrets come from the environment', () => {
  const sealed = sealWebhookSecret(tmp.dataDir, 'wh_1', 'whsec_x');
  assert.ok(!sealed.includes('whsec_x'));
  const base = { url: 'http://h/', events: [], createdAt: 0, cursor: 0, failingSince: null, failures: 0, nextAttemptAt: null, lastError: null };
  const resolve = secretResolver(tmp.dataDir, new Map([['cfg-1', 'from-env']]));
  assert.equal(resolve({ ...base, id: 'wh_1', secret: sealed, origin: 'cli' }), 'whsec_x');
  assert.equal(resolve({ ...base, id: 'wh_2', secret: sealed, origin: 'cli' }), null, 'bound to its id');
  assert.equal(resolve({ ...base, id: 'cfg-1', secret: '', origin: 'config' }), 'from-env');
  assert.equal(resolve({ ...base, id: 'cfg-2', secret: '', origin: 'config' }), null);
});
