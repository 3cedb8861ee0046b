import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { addressProblem, planTransaction, sizeLimit, type Extensions } from './plan.js';
import type { OutgoingMessage } from './types.js';

const ext = (...lines: string[]): Extensions => new Map(lines.map((l) => [l.split(' ')[0]!, l.split(' ').slice(1)]));
const FULL = ext('PIPELINING', 'SIZE 1000', '8BITMIME', 'SMTPUTF8', 'DSN', 'CHUNKING', 'BINARYMIME');

function msg(o: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    sender: 'a@example.test',
    recipients: [{ address: 'b@example.test' }],
    size: 100,
    body: () => Readable.from([]),
    bodyType: '7BIT',
    smtputf8: false,
    ...o,
  };
}

const codes = (p: ReturnType<typeof planTransaction>) => p.refused.map((r) => `${r.index}:${r.outcome.code} ${r.outcome.enhanced}`);

test('plain 7-bit message to a bare SMTP peer: no parameters', () => {
  const p = planTransaction(new Map(), msg());
  assert.equal(p.refusal, null);
  assert.equal(p.mail, 'MAIL FROM:<a@example.test>');
  assert.deepEqual(p.rcpts, [{ index: 0, line: 'RCPT TO:<b@example.test>' }]);
  assert.equal(p.bdat, false);
  assert.equal(p.pipelining, false);
});

test('SIZE, BODY, SMTPUTF8 and DSN parameters only when offered', () => {
  const m = msg({ bodyType: '8BITMIME', ret: 'HDRS', envid: 'id+1=2 x', recipients: [{ address: 'b@example.test', notify: ['success', 'FAILURE'], orcpt: 'rfc822;b+x@example.test' }] });
  const p = planTransaction(FULL, m);
  assert.equal(p.mail, 'MAIL FROM:<a@example.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=id+2B1+3D2+20x');
  assert.deepEqual(p.rcpts[0]!.line, 'RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.test');
  assert.equal(p.bdat, true);
  assert.equal(p.pipelining, true);
  const bare = planTransaction(ext('8BITMIME'), m);
  assert.equal(bare.mail, 'MAIL FROM:<a@example.test> BODY=8BITMIME');
  assert.equal(bare.rcpts[0]!.line, 'RCPT TO:<b@example.test>');
});

test('an ORCPT without a type is rfc822; NOTIFY=NEVER stands alone', () => {
  const p = planTransaction(ext('DSN'), msg({ recipients: [{ address: 'b@example.test', orcpt: 'x@y.test', notify: ['never'] }] }));
  assert.equal(p.rcpts[0]!.line, 'RCPT TO:<b@example.test> NOTIFY=NEVER ORCPT=rfc822;x@y.test');
  const bad = planTransaction(ext('DSN'), msg({ recipients: [{ address: 'b@example.test', notify: ['NEVER', 'DELAY'] }] }));
  assert.deepEqual(codes(bad), ['0:555 5.5.4']);
});

test('SIZE: too big for the peer is 5.3.4 for everyone before MAIL; SIZE 0 means no limit', () => {
  const p = planTransaction(FULL, msg({ size: 1001 }));
  assert.equal(p.refusal?.code, 552);
  assert.equal(p.refusal?.enhanced, '5.3.4');
  assert.match(p.refusal!.text, /message too big for host/);
  assert.equal(p.refusal?.remote, false);
  assert.equal(planTransaction(FULL, msg({ size: 1000 })).refusal, null);
  assert.equal(planTransaction(ext('SIZE 0'), msg({ size: 10 ** 9 })).refusal, null);
  assert.equal(planTransaction(ext('SIZE'), msg({ size: 10 ** 9 })).mail, `MAIL FROM:<a@example.test> SIZE=${10 ** 9}`);
  assert.equal(sizeLimit(ext('SIZE junk')), null);
});

test('8BITMIME and BINARYMIME bodies need the extensions: 5.6.3, no conversion', () => {
  assert.equal(planTransaction(ext('PIPELINING'), msg({ bodyType: '8BITMIME' })).refusal?.enhanced, '5.6.3');
  assert.equal(planTransaction(ext('8BITMIME', 'BINARYMIME'), msg({ bodyType: 'BINARYMIME' })).refusal?.enhanced, '5.6.3');
  assert.equal(planTransaction(ext('CHUNKING'), msg({ bodyType: 'BINARYMIME' })).refusal?.enhanced, '5.6.3');
  assert.equal(planTransaction(ext('CHUNKING', 'BINARYMIME'), msg({ bodyType: 'BINARYMIME' })).mail, 'MAIL FROM:<a@example.test> BODY=BINARYMIME');
});

test('SMTPUTF8: needed and missing is 5.6.7 for everyone; offered adds the parameter', () => {
  const utf8 = msg({ smtputf8: true, recipients: [{ address: 'jörg@bücher.test' }] });
  assert.equal(planTransaction(ext('8BITMIME'), utf8).refusal?.enhanced, '5.6.7');
  assert.equal(planTransaction(ext('SMTPUTF8'), utf8).mail, 'MAIL FROM:<a@example.test> SMTPUTF8');
  assert.equal(planTransaction(ext('SMTPUTF8'), utf8).rcpts[0]!.line, 'RCPT TO:<jörg@bücher.test>');
  // Without the message flag a non-ASCII recipient still needs it; alone it is refused, not the others.
  const mixed = msg({ recipients: [{ address: 'jörg@bücher.test' }, { address: 'b@example.test' }] });
  assert.deepEqual(codes(planTransaction(new Map(), mixed)), ['0:553 5.6.7']);
  assert.equal(planTransaction(ext('SMTPUTF8'), mixed).mail, 'MAIL FROM:<a@example.test> SMTPUTF8');
  assert.equal(planTransaction(ext('8BITMIME'), msg({ sender: 'jörg@bücher.test' })).refusal?.enhanced, '5.6.7');
});

test('control characters: a bad recipient is refused alone (5.1.3), a bad sender refuses all (5.1.7)', () => {
  const m = msg({ recipients: [{ address: 'ok@example.test' }, { address: 'x@example.test>\r\nRCPT TO:<evil@example.test' }, { address: 'n\0ul@example.test' }] });
  const p = planTransaction(FULL, m);
  assert.deepEqual(codes(p), ['1:553 5.1.3', '2:553 5.1.3']);
  assert.deepEqual(p.rcpts.map((r) => r.index), [0]);
  for (const sender of ['a@example.test\r\nRSET', 'a\n@example.test', 'a\x7f@example.test', 'a@example.test\x1b']) {
    const s = planTransaction(FULL, msg({ sender }));
    assert.equal(s.refusal?.enhanced, '5.1.7', JSON.stringify(sender));
    assert.equal(s.refusal?.code, 553);
  }
  assert.equal(planTransaction(FULL, msg({ envid: 'id\r\nRSET' })).refusal?.code, 554);
  const orcpt = planTransaction(FULL, msg({ recipients: [{ address: 'b@example.test', orcpt: 'rfc822;b\r\n@x' }] }));
  assert.deepEqual(codes(orcpt), ['0:553 5.1.3']);
});

test('address syntax: the null sender is fine, broken paths are not', () => {
  assert.equal(planTransaction(FULL, msg({ sender: '' })).mail, 'MAIL FROM:<> SIZE=100');
  assert.equal(addressProblem('', false), 'empty address');
  assert.equal(addressProblem('a b@example.test', false), 'invalid address syntax');
  assert.equal(addressProblem('a@example.test> SIZE=1', false), 'invalid address syntax');
  assert.equal(addressProblem('"a b"@example.test', false), null);
  assert.equal(addressProblem('postmaster', false), null);
});
