import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { IdentityStore } from '../identities/store.js';
import { buildIdentity } from '../identities/create.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { ShapingActionStore } from './actions.js';
import { SendGate } from './gate.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 4, 10);

describe('SendGate', () => {
  let t: TempStore;
  let now: number;
  let gate: SendGate;
  let store: IdentityStore;
  let actions: ShapingActionStore;

  beforeEach(() => {
    t = makeTempStore();
    now = T0;
    store = new IdentityStore(t.db);
    actions = new ShapingActionStore(t.db);
    const config = { domainCaps: new Map([['shared.test', { daily: 3 }]]), sourceCaps: new Map(), timeZone: 'UTC', jitter: 0, pausedRecheckMs: 3_600_000 };
    gate = new SendGate(t.db, store, actions, config, () => now, () => 0);
  });
  afterEach(() => t.cleanup());

  const add = (name: string, extra: Record<string, unknown> = {}) =>
    store.add(buildIdentity({ name, from: `${name}@d.test`, via: 'relay', relayHost: 'relay.test', ...extra }), now);
  const attempt = (identity: string, at: number) =>
    t.db.prepare(`INSERT INTO messages (id, direction, received_at, sender, size, envelope) VALUES (?, 'outbound', ?, '', 0, '{}') ON CONFLICT DO NOTHING`).run(`m${at}`, at) &&
    t.db.prepare(`INSERT INTO attempts (message_id, idx, at, duration_ms, outcome, route, remote, identity) VALUES (?, 0, ?, 1, 'delivered', 'identity', 1, ?)`).run(`m${at}`, at, identity);

  it('counts sends already in the store, so a cap holds across restarts', () => {
    const a = add('a', { dailyCap: 5 });
    for (let i = 0; i < 4; i++) attempt('a', T0 - 1000 * (i + 1));
    attempt('a', T0 - DAY); // yesterday's does not count
    const first = gate.admit(a, 3, null);
    assert.deepEqual(first.decision, { admit: 1 });
    const second = gate.admit(a, 1, null);
    assert.deepEqual(second.decision, { admit: 0, until: Date.UTC(2026, 11, 5), reason: 'throttled: daily cap' });
  });

  it('gives back sends that were never attempted, and resets at midnight', () => {
    const a = add('a', { dailyCap: 2 });
    const r = gate.admit(a, 2, null);
    assert.deepEqual(r.decision, { admit: 2 });
    gate.release(r.reservation!, 1);
    assert.deepEqual(gate.admit(a, 5, null).decision, { admit: 1 });
    now = Date.UTC(2026, 11, 5, 0, 0, 1);
    assert.deepEqual(gate.admit(a, 5, null).decision, { admit: 2 });
  });

  it('a shared domain cap holds all of its identities together', () => {
    const a = add('a', { from: 'a@shared.test' });
    const b = add('b', { from: 'b@shared.test' });
    assert.deepEqual(gate.admit(a, 2, null).decision, { admit: 2 });
    assert.deepEqual(gate.admit(b, 5, null).decision, { admit: 1 });
    assert.equal((gate.admit(b, 1, null).decision as { reason: string }).reason, 'throttled: domain shared.test daily cap');
  });

  it('holds a paused identity, and a suspension in force towards its provider only', () => {
    add('a');
    store.setState('a', 'paused', { reason: 'checking', by: 'operator', now });
    gate.invalidate();
    const paused = gate.identity('a')!;
    assert.deepEqual(gate.admit(paused, 1, null).decision, { admit: 0, until: now + 3_600_000, reason: 'paused: checking' });
    store.setState('a', 'active', { by: 'operator', now });
    gate.invalidate();
    const a = gate.identity('a')!;
    gate.addAction(actions.add({ rule: 'yahoo-deferred', kind: 'suspend', factor: null, rate: null, scope: 'source:relay:a', provider: 'yahoo', startedAt: now, endsAt: now + 7_200_000, identity: 'a', messageId: null, code: 421, enhanced: '4.7.0', text: 'TSS04' }));
    const towardsYahoo = gate.admit(a, 1, { name: 'yahoo' }).decision;
    assert.equal(towardsYahoo.admit, 0);
    assert.match((towardsYahoo as { reason: string }).reason, /^suspended: yahoo-deferred towards yahoo until /);
    assert.deepEqual(gate.admit(a, 1, { name: 'google' }).decision, { admit: 1 });
  });

  it('mail waiting for a pace gets successive slots; one whose slot came is next again', () => {
    const a = add('a', { minGapSeconds: 60 });
    assert.deepEqual(gate.admit(a, 1, null, 'm0').decision, { admit: 1 });
    const slots = ['m1', 'm2', 'm3'].map((k) => (gate.admit(a, 1, null, k).decision as { until: number }).until);
    assert.deepEqual(slots, [now + 60_000, now + 120_000, now + 180_000]);
    assert.equal((gate.admit(a, 1, null, 'm1').decision as { until: number }).until, now + 60_000, 'm1 keeps its place');
  });

  it('a throttle sets the per-minute rate towards the provider', () => {
    const a = add('a');
    const provider = { name: 'google', messagesPerMinutePerSource: 10 };
    assert.equal(gate.throttledRate(a, provider, 0.5), 5);
    gate.addAction(actions.add({ rule: 'gmail-unusual-rate', kind: 'throttle', factor: 0.5, rate: 5, scope: 'source:relay:a', provider: 'google', startedAt: now, endsAt: now + 3_600_000, identity: 'a', messageId: null, code: 450, enhanced: '4.7.28', text: 'unusual rate' }));
    assert.deepEqual(gate.admit(a, 10, provider).decision, { admit: 5 });
    assert.equal((gate.admit(a, 1, provider).decision as { reason: string }).reason, 'throttled: google rate 5/min');
    now += 60_001;
    const b = add('b', { from: 'b@other.test' });
    const r = gate.admit(b, 10, provider).decision;
    assert.deepEqual(r, { admit: 10 }); // another source is not throttled
  });
});
