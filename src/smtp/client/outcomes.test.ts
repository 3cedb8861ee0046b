import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reply } from '../wire/reply.js';
import { checkedEnhanced, deriveEnhanced, from421, fromFailure, fromReply, local, quote, refusal, Tally } from './outcomes.js';
import { DOING } from './timeouts.js';
import type { Phase } from './types.js';

const PHASES = Object.keys(DOING) as Phase[];

test('deriveEnhanced keeps the class of every code in every phase (never 5.x.x for a 4xx)', () => {
  for (let code = 200; code <= 599; code++) {
    for (const phase of PHASES) {
      const e = deriveEnhanced(code, phase);
      assert.match(e, /^[245]\.\d{1,3}\.\d{1,3}$/);
      const cls = Math.floor(code / 100);
      if (cls !== 3) assert.equal(e[0], String(cls), `${code} in ${phase} gave ${e}`);
    }
  }
});

test('deriveEnhanced: syntax replies are X.5.x, known cases are specific, the rest X.0.0', () => {
  assert.equal(deriveEnhanced(500, 'mail'), '5.5.2');
  assert.equal(deriveEnhanced(501, 'rcpt'), '5.5.4');
  assert.equal(deriveEnhanced(502, 'ehlo'), '5.5.1');
  assert.equal(deriveEnhanced(503, 'data'), '5.5.1');
  assert.equal(deriveEnhanced(555, 'mail'), '5.5.4');
  assert.equal(deriveEnhanced(452, 'rcpt'), '4.5.3');
  assert.equal(deriveEnhanced(452, 'mail'), '4.0.0');
  assert.equal(deriveEnhanced(552, 'data-end'), '5.3.4');
  assert.equal(deriveEnhanced(550, 'rcpt'), '5.0.0');
  assert.equal(deriveEnhanced(421, 'rcpt'), '4.0.0');
  assert.equal(deriveEnhanced(250, 'data-end'), '2.0.0');
});

test('checkedEnhanced trusts the peer only when its class agrees', () => {
  assert.equal(checkedEnhanced(550, '5.1.1', 'rcpt'), '5.1.1');
  assert.equal(checkedEnhanced(450, '5.1.1', 'rcpt'), '4.0.0');
  assert.equal(checkedEnhanced(450, null, 'rcpt'), '4.0.0');
  assert.equal(checkedEnhanced(450, 'junk', 'rcpt'), '4.0.0');
  assert.equal(local(451, '5.7.1', 'x', 'auth').enhanced, '4.0.0');
});

test('fromReply keeps the peer code, enhanced code and text', () => {
  assert.deepEqual(fromReply(reply(550, '5.1.1', 'No such', 'user here'), 'rcpt'), {
    code: 550,
    enhanced: '5.1.1',
    text: 'No such user here',
    remote: true,
    phase: 'rcpt',
  });
  assert.equal(fromReply(reply(501, null, 'bad'), 'mail').enhanced, '5.5.4');
  assert.equal(quote(reply(535, '5.7.8', 'Bad credentials')), '535 5.7.8 Bad credentials');
  assert.equal(quote(reply(535, null, 'no')), '535 no');
});

test('failures are deferrals; after the end of data they may be duplicates', () => {
  const t = fromFailure({ kind: 'timeout', phase: 'rcpt', text: 'timeout after 300 s waiting for the RCPT reply' });
  assert.deepEqual(t, { code: 451, enhanced: '4.4.2', text: 'timeout after 300 s waiting for the RCPT reply', remote: false, phase: 'rcpt' });
  assert.equal(fromFailure({ kind: 'connect', phase: 'connect', text: 'refused' }).enhanced, '4.4.1');
  assert.equal(fromFailure({ kind: 'tls', phase: 'starttls', text: 'bad cert' }).enhanced, '4.7.5');
  assert.equal(fromFailure({ kind: 'protocol', phase: 'mail', text: 'x' }).enhanced, '4.5.0');
  assert.equal(fromFailure({ kind: 'closed', phase: 'mail', text: 'x' }).enhanced, '4.4.2');
  const d = fromFailure({ kind: 'closed', phase: 'data-end', text: 'connection closed' }, true);
  assert.equal(d.mayBeDuplicate, true);
  assert.match(d.text, /message may be delivered twice/);
  const q = from421(reply(421, '4.3.2', 'shutting down'), 'data-end', true);
  assert.equal(q.code, 421);
  assert.equal(q.remote, true);
  assert.equal(q.mayBeDuplicate, true);
  assert.match(q.text, /^shutting down .*delivered twice/);
  assert.equal(from421(reply(421, null, 'bye'), 'rcpt').mayBeDuplicate, undefined);
});

test('Tally: refused recipients keep their outcome, accepted ones get the data reply', () => {
  const t = new Tally(4);
  t.set(1, fromReply(reply(550, '5.1.1', 'no'), 'rcpt'));
  t.accept(0);
  t.accept(2);
  assert.equal(t.accepted, 2);
  t.settleAccepted(fromReply(reply(250, '2.0.0', 'queued'), 'data-end'));
  t.settleRest(local(451, '4.4.2', 'lost', 'rcpt'));
  assert.deepEqual(
    t.result('data-end').map((o) => `${o.code} ${o.enhanced}`),
    ['250 2.0.0', '550 5.1.1', '250 2.0.0', '451 4.4.2'],
  );
  const r = t.result('data-end');
  assert.notEqual(r[0], r[2], 'each recipient gets its own object');
});

test('a success-class reply where a refusal was due is a 4.5.0 deferral, never passed on', () => {
  const o = refusal(reply(250, null, 'OK'), 'data');
  assert.equal(o.code, 451);
  assert.equal(o.enhanced, '4.5.0');
  assert.equal(o.remote, false);
  assert.match(o.text, /unexpected reply to data: 250 OK/);
  assert.equal(refusal(reply(550, '5.1.1', 'no'), 'rcpt').code, 550);
});
