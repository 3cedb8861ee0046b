import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickCandidate, stickyKeys, type Candidate } from './chooser.js';
import type { Identity } from './types.js';

const identity = (name: string, state: Identity['state'] = 'active'): Identity => ({ name, from: `${name}@d.test`, domain: 'd.test', via: 'relay', minGapMs: 0, hardCaps: {}, timeZone: 'UTC', state, createdAt: 0 });
const c = (name: string, usedToday: number, opts: { weight?: number; cap?: number | null; state?: Identity['state'] } = {}): Candidate => ({ identity: identity(name, opts.state), weight: opts.weight ?? 1, usedToday, capToday: opts.cap ?? null });

describe('pickCandidate', () => {
  it('takes the least used per weight, then the name', () => {
    assert.equal(pickCandidate([c('b', 1), c('a', 1), c('c', 0)])?.identity.name, 'c');
    assert.equal(pickCandidate([c('b', 1), c('a', 1)])?.identity.name, 'a');
    assert.equal(pickCandidate([c('heavy', 2, { weight: 3 }), c('light', 1)])?.identity.name, 'heavy');
  });

  it('rotates 3:1 over a weighted pair', () => {
    const used: Record<string, number> = { w1: 0, w2: 0 };
    for (let i = 0; i < 8; i++) used[pickCandidate([c('w1', used['w1']!, { weight: 3 }), c('w2', used['w2']!)])!.identity.name]!++;
    assert.deepEqual(used, { w1: 6, w2: 2 });
  });

  it('prefers identities with room today, then any active one, then a paused one', () => {
    assert.equal(pickCandidate([c('full', 0, { cap: 0 }), c('room', 9, { cap: 10 })])?.identity.name, 'room');
    assert.equal(pickCandidate([c('full', 5, { cap: 5 }), c('paused', 0, { state: 'paused' })])?.identity.name, 'full');
    assert.equal(pickCandidate([c('p2', 3, { state: 'paused' }), c('p1', 1, { state: 'paused' })])?.identity.name, 'p1');
    assert.equal(pickCandidate([]), null);
  });

  it('makes sticky keys from thread, contact and replied-to Message-IDs', () => {
    assert.deepEqual(stickyKeys({ thread: 't1', contact: 'Bob@X.test', replyTo: ['a@b'] }), ['thread:t1', 'contact:bob@x.test', 'msgid:a@b']);
    assert.deepEqual(stickyKeys({}), []);
  });
});
