// The warm-up network's pure parts: the day's volume (ramp share, then maintenance), spreading over
// the day, partner choice, varied words from the templates, figures and the reputation signal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileTemplate } from '../campaigns/template.js';
import type { Identity } from '../identities/types.js';
import { dayKey } from '../pacing/days.js';
import { figuresOf, lowInboxRate } from './figures.js';
import { decide } from './handler.js';
import { choosePartner, decides } from './pairs.js';
import { firstName, originalWords, replyText } from './render.js';
import { dailyTarget, nextSendAt } from './schedule.js';
import type { WarmupMail } from './store.js';
import { WARMUP_REPLIES, WARMUP_TEMPLATES } from './templates.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 1, 0, 1);
const rules = { rampShare: 0.5, maintenancePerDay: 3 };

function identity(over: Partial<Identity> = {}): Identity {
  return { name: 'a', from: 'anna@a.test', domain: 'a.test', via: 'relay', minGapMs: 0, hardCaps: {}, timeZone: 'UTC', state: 'active', createdAt: T0, ...over };
}

describe('dailyTarget', () => {
  const warming = identity({ warmup: { start: 4, step: 2, percent: false, target: 10 }, warmupStart: dayKey(T0, 'UTC') });
  test('a share of the ramp while ramping, at least one', () => {
    assert.equal(dailyTarget(warming, [], T0, rules), 2);
    assert.equal(dailyTarget(warming, [], T0 + DAY, rules), 3);
    assert.equal(dailyTarget(warming, [], T0 + DAY, { ...rules, rampShare: 0 }), 1);
  });
  test('a held day does not advance the warm-up volume', () => {
    assert.equal(dailyTarget(warming, [dayKey(T0, 'UTC')], T0 + DAY, rules), 2);
  });
  test('the maintenance level once the ramp reached its target, or without a ramp; never above the cap', () => {
    assert.equal(dailyTarget(warming, [], T0 + 3 * DAY, rules), 3);
    assert.equal(dailyTarget(identity(), [], T0, rules), 3);
    assert.equal(dailyTarget(identity({ dailyCap: 2 }), [], T0, rules), 2);
  });
});

describe('nextSendAt', () => {
  const bounds = { start: T0, end: T0 + DAY };
  test('one send per slot of the day, in order, then tomorrow', () => {
    const times = [0, 1, 2, 3].map((k) => nextSendAt(k, 4, bounds, 'a/d'));
    times.forEach((t, k) => assert.ok(t >= T0 + (k * DAY) / 4 && t < T0 + ((k + 1) * DAY) / 4, `send ${k} in slot ${k}`));
    assert.equal(nextSendAt(4, 4, bounds, 'a/d'), bounds.end);
    assert.equal(nextSendAt(0, 0, bounds, 'a/d'), bounds.end, 'nothing today');
  });
  test('stable for a seed, varied across seeds', () => {
    assert.equal(nextSendAt(1, 4, bounds, 'a/d'), nextSendAt(1, 4, bounds, 'a/d'));
    assert.notEqual(nextSendAt(1, 4, bounds, 'a/d'), nextSendAt(1, 4, bounds, 'b/d'));
  });
});

describe('choosePartner', () => {
  test('never itself; the least sent to; spread over partners', () => {
    assert.equal(choosePartner('a', ['a'], new Map(), 's'), null);
    assert.equal(choosePartner('a', ['a', 'b', 'c'], new Map([['b', 2], ['c', 1]]), 's'), 'c');
    const counts = new Map<string, number>();
    for (let k = 0; k < 30; k++) {
      const p = choosePartner('a', ['a', 'b', 'c', 'd'], counts, `s/${k}`)!;
      assert.notEqual(p, 'a');
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    assert.deepEqual([...counts.values()], [10, 10, 10]);
  });
  test('shares decided from the tag are stable and near their share', () => {
    const tags = Array.from({ length: 1000 }, (_, k) => `t${k}`);
    assert.equal(decides('t1', 'reply', 0.3), decides('t1', 'reply', 0.3));
    const n = tags.filter((t) => decides(t, 'reply', 0.3)).length;
    assert.ok(n > 240 && n < 360, String(n));
    assert.equal(tags.filter((t) => decides(t, 'flag', 0)).length, 0);
  });
});

describe('templates', () => {
  test('every template compiles', () => {
    for (const t of WARMUP_TEMPLATES) (compileTemplate(t.subject), compileTemplate(t.text));
    for (const t of WARMUP_REPLIES) compileTemplate(t);
  });
  test('messages are plain, named and varied', () => {
    const words = Array.from({ length: 40 }, (_, k) => originalWords(`tag${k}`, 'anna.smith@a.test', 'bob@b.test'));
    assert.ok(new Set(words.map((w) => w.subject)).size >= 20, 'subjects vary');
    assert.ok(new Set(words.map((w) => w.text)).size >= 35, 'bodies vary');
    for (const w of words) {
      assert.match(w.text, /Bob/);
      assert.match(w.text, /Anna\n$/);
      assert.doesNotMatch(w.text + w.subject, /[{}]/);
    }
    assert.deepEqual(originalWords('x', 'a@a.test', 'b@b.test'), originalWords('x', 'a@a.test', 'b@b.test'));
    assert.ok(replyText('r', 'anna@a.test', 'bob@b.test').length > 10);
  });
  test('first names from addresses', () => {
    assert.equal(firstName('anna.smith@a.test'), 'Anna');
    assert.equal(firstName('x1@a.test'), '');
    assert.equal(firstName('BOB@b.test'), 'Bob');
  });
});

describe('figures and handler decisions', () => {
  test('inbox rate and the signal need enough placements', () => {
    const f = figuresOf('a', { sent: 12, received: 5, inbox: 7, spam: 5, rescues: 1 });
    assert.equal(f.inboxRate, 7 / 12);
    assert.equal(lowInboxRate(f, { minInboxRate: 0.8, minPlacements: 10 }), true);
    assert.equal(lowInboxRate(f, { minInboxRate: 0.8, minPlacements: 20 }), false);
    assert.equal(figuresOf('a', { sent: 1, received: 0, inbox: 0, spam: 0, rescues: 0 }).inboxRate, null);
  });
  const row = (over: Partial<WarmupMail> = {}): WarmupMail => ({
    tag: 't1', sender: 'a', recipient: 'b', messageId: 'q', headerId: 'h@x', threadTag: null, sentAt: T0,
    receivedAt: null, folder: null, placement: null, rescued: false, flagged: false, repliedAt: null, ...over,
  });
  test('Junk: spam placement and a rescue; always \\Seen; answers only to originals', () => {
    assert.deepEqual(decide(row(), true, { flagShare: 0, replyShare: 1 }), { placement: 'spam', rescue: true, flags: ['\\Seen'], answer: true });
    assert.deepEqual(decide(row(), false, { flagShare: 1, replyShare: 0 }), { placement: 'inbox', rescue: false, flags: ['\\Seen', '\\Flagged'], answer: false });
    assert.equal(decide(row({ threadTag: 't0' }), false, { flagShare: 0, replyShare: 1 }).answer, false);
  });
});
