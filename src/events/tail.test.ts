import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { EventStore } from './store.js';
import { newestEvents, tailEvents } from './tail.js';
import type { StoredEvent } from './types.js';

describe('reading events', () => {
  let store: TempStore;
  let events: EventStore;
  beforeEach(() => {
    store = makeTempStore();
    events = new EventStore(store.db);
    events.append(Array.from({ length: 10 }, (_, i) => ({ at: 1000 + i, type: i % 2 ? 'delivered' : 'bounced', recipient: `r${i}@x.test` }) as const));
  });
  afterEach(() => store.cleanup());

  it('newestEvents gives the newest N matching, oldest first', () => {
    assert.deepEqual(newestEvents(store.db, { limit: 3 }).map((e) => e.id), [8, 9, 10]);
    assert.deepEqual(newestEvents(store.db, { limit: 2, types: ['bounced'] }).map((e) => e.id), [7, 9]);
    assert.deepEqual(newestEvents(store.db, { limit: 5, since: 1008 }).map((e) => e.id), [9, 10]);
    assert.deepEqual(newestEvents(store.db, { limit: 5, recipient: 'R3@X.test' }).map((e) => e.id), [4]);
    assert.deepEqual(newestEvents(store.db, { limit: 5, messageId: 'none' }), []);
  });

  it('tailEvents follows new events from a cursor and stops at max or on abort', async () => {
    const seen: StoredEvent[] = [];
    const stop = new AbortController();
    const following = tailEvents(store.db, { signal: stop.signal, pollMs: 10, types: ['delivered'], max: 3 }, (e) => void seen.push(e));
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.append([{ at: 2000, type: 'bounced' }, { at: 2001, type: 'delivered' }, { at: 2002, type: 'delivered' }]);
    events.append([{ at: 2003, type: 'delivered' }, { at: 2004, type: 'delivered' }]);
    assert.equal(await following, 3);
    assert.deepEqual(seen.map((e) => e.id), [12, 13, 14]);

    const fromStart = new AbortController();
    const all: number[] = [];
    const done = tailEvents(store.db, { signal: fromStart.signal, fromId: 13, pollMs: 10 }, (e) => void all.push(e.id));
    await new Promise((resolve) => setTimeout(resolve, 50));
    fromStart.abort();
    assert.equal(await done, 2);
    assert.deepEqual(all, [14, 15]);
    stop.abort();
  });
});
