import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Identity } from '../identities/types.js';
import { admitOnCluster, UNAVAILABLE_RETRY_MS, type SharedCaps } from './cluster-caps.js';

const NOW = Date.UTC(2026, 2, 10, 15, 0, 0);
const identity = { name: 'capped', timeZone: 'UTC' } as Identity;
const clock = () => NOW;

/** A counter with `room` units left; `down` answers as PostgreSQL away, `fails` rejects. */
function caps(room: number, opts: { down?: boolean; fails?: boolean } = {}): SharedCaps & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    up: !opts.down,
    admit: async (name, day, cap, n) => {
      asked.push(`${name} ${day} ${cap} ${n}`);
      if (opts.fails) throw new Error('connect ECONNREFUSED');
      return Math.min(n, room);
    },
    giveBack: async () => undefined,
  };
}

describe('admitOnCluster', () => {
  it('admits all when the counter has room, on the identity\'s day', async () => {
    const c = caps(5);
    assert.deepEqual(await admitOnCluster(c, identity, 10, 3, clock), { admitted: 3, day: '2026-03-10', wait: null });
    assert.deepEqual(c.asked, ['capped 2026-03-10 10 3']);
  });

  it('holds the rest until the identity\'s next day when the cluster reached the cap', async () => {
    const r = await admitOnCluster(caps(1), identity, 10, 3, clock);
    assert.equal(r.admitted, 1);
    assert.deepEqual(r.wait, { until: Date.UTC(2026, 2, 11), reason: 'throttled: daily cap reached on the cluster (identity capped)' });
  });

  it('sends nothing unadmitted while PostgreSQL is away: all wait a short while', async () => {
    for (const c of [caps(5, { down: true }), caps(5, { fails: true })]) {
      const r = await admitOnCluster(c, identity, 10, 3, clock);
      assert.equal(r.admitted, 0);
      assert.equal(r.wait?.until, NOW + UNAVAILABLE_RETRY_MS);
      assert.match(r.wait?.reason ?? '', /waiting for PostgreSQL/);
    }
  });
});
