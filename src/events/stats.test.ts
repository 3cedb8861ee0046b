import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { computeStats } from './stats.js';
import { EventStore } from './store.js';
import type { NewEvent } from './types.js';

const T = 1_700_000_000_000;
const HOUR = 3_600_000;

/** `n` events of one kind. */
function many(n: number, e: Partial<NewEvent> & Pick<NewEvent, 'type'>): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({ at: T - HOUR, recipient: `r${i}@x.test`, ...e }));
}

describe('computeStats', () => {
  let store: TempStore;
  beforeEach(() => {
    store = makeTempStore();
    const a = { sendingDomain: 'a.test' };
    const ip1 = { ...a, sourceIp: '192.0.2.1' };
    new EventStore(store.db).append([
      ...many(10, { type: 'accepted', ...a }),
      ...many(6, { type: 'delivered', ...ip1 }),
      ...many(2, { type: 'delivered', sendingDomain: 'a.test', sourceIp: '192.0.2.2' }),
      ...many(3, { type: 'deferred', ...ip1 }),
      ...many(1, { type: 'bounced', ...ip1, class: 'hard', reason: 'userunknown' }),
      ...many(2, { type: 'bounced', ...ip1, class: 'block', reason: 'blocked' }),
      ...many(1, { type: 'bounced', ...a, class: 'hard', reason: 'userunknown' }), // an async bounce, IP unknown
      ...many(1, { type: 'expired', ...a, class: 'expired' }),
      ...many(2, { type: 'complained', ...ip1, class: 'complaint' }),
      ...many(1, { type: 'suppressed', ...a }),
      ...many(1, { type: 'unsubscribed', ...a }),
      ...many(4, { type: 'delivered', sendingDomain: 'b.test', sourceIp: '192.0.2.2' }),
      ...many(5, { type: 'accepted', sendingDomain: 'quiet.test' }),
      ...many(7, { type: 'delivered', ...ip1, at: T - 30 * HOUR }), // outside the window
    ]);
  });
  afterEach(() => store.cleanup());

  it('counts each kind per sending domain, with the rates', () => {
    const report = computeStats(store.db, { since: T - 24 * HOUR, until: T });
    assert.deepEqual(report.domains.map((d) => d.domain), ['a.test', 'b.test', 'quiet.test']);
    const a = report.domains[0]!;
    assert.deepEqual(
      [a.accepted, a.delivered, a.deferred, a.bounced, a.hardBounced, a.otherBounced, a.expired, a.complained, a.suppressed],
      [10, 8, 3, 4, 2, 2, 1, 2, 1],
    );
    assert.equal(a.bounceRate, 4 / (8 + 4 + 1));
    assert.equal(a.complaintRate, 2 / 8);
    assert.deepEqual([report.domains[1]!.bounceRate, report.domains[1]!.complaintRate], [0, 0]);
    assert.deepEqual([report.domains[2]!.bounceRate, report.domains[2]!.complaintRate], [null, null], 'nothing delivered');
    assert.equal(report.total.delivered, 12);
    assert.equal(report.total.accepted, 15);
  });

  it('counts per source IP only the events that carry one', () => {
    const report = computeStats(store.db, { since: T - 24 * HOUR, until: T });
    assert.deepEqual(report.sourceIps.map((s) => [s.ip, s.delivered, s.bounced, s.hardBounced, s.complained, s.accepted]), [
      ['192.0.2.1', 6, 3, 1, 2, 0],
      ['192.0.2.2', 6, 0, 0, 0, 0],
    ]);
    assert.equal(report.sourceIps[0]!.bounceRate, 3 / 9);
  });

  it('narrows to one domain and to the window', () => {
    const one = computeStats(store.db, { since: T - 24 * HOUR, until: T, domain: 'B.test' });
    assert.deepEqual(one.domains.map((d) => [d.domain, d.delivered]), [['b.test', 4]]);
    assert.equal(one.total.delivered, 4);
    const wide = computeStats(store.db, { since: T - 48 * HOUR, until: T, domain: 'a.test' });
    assert.equal(wide.total.delivered, 15);
    assert.deepEqual(computeStats(store.db, { since: T, until: T + HOUR }).domains, []);
  });
});
