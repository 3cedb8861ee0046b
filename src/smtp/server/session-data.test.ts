// The session state machine: DATA and BDAT, their limits and the effects that move the body.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mx, one, SessionHarness, tags, type HarnessOptions } from './session-testkit.js';

describe('DATA', () => {
  test('a stored message gets 250 with its queue id and the session goes on', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    assert.deepEqual(tags(h.send('DATA')), ['354', '250 2.0.0']);
    assert.deepEqual(h.stored, ['Q1']);
    assert.equal(h.state.tx, null);
    assert.equal(one(h, 'MAIL FROM:<b@remote.test>'), '250 2.1.0');
  });

  test('while data is read, the session waits', () => {
    const h = mx({ dataResult: 'manual' });
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    assert.deepEqual(tags(h.send('DATA')), ['354']);
    assert.equal(h.state.phase.kind, 'waiting');
    assert.ok(h.awaitingData);
    assert.deepEqual(tags(h.input({ type: 'data-end', result: 'ok' })), ['250 2.0.0']);
  });

  test('BODY=BINARYMIME cannot use DATA: 503', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test> BODY=BINARYMIME');
    h.send('RCPT TO:<alice@example.test>');
    assert.equal(one(h, 'DATA'), '503 5.5.1');
  });

  test('a body over the limit is discarded with 552 and the transaction ends', () => {
    const h = mx({ dataResult: 'too-big' });
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    assert.deepEqual(tags(h.send('DATA')), ['354', '552 5.3.4']);
    assert.equal(h.ofType('discard-message').length, 1);
    assert.equal(h.ofType('commit').length, 0);
    assert.equal(h.state.tx, null);
    assert.equal(h.closed, false);
  });

  test('a bare newline in the body is 521 and close', () => {
    const h = mx({ dataResult: 'bare-newline' });
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    assert.deepEqual(tags(h.send('DATA')), ['354', '521 5.5.2']);
    assert.equal(h.ofType('discard-message').length, 1);
    assert.ok(h.closed);
    assert.deepEqual(h.effects.at(-1), { type: 'close' });
  });

  test('a storage failure is 451 4.3.0', () => {
    const h = mx({ store: 'fail' });
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    assert.deepEqual(tags(h.send('DATA')), ['354', '451 4.3.0']);
    assert.equal(h.state.tx, null);
  });
});

describe('BDAT', () => {
  function inTx(o: HarnessOptions = {}, mail = 'MAIL FROM:<a@remote.test>'): SessionHarness {
    const h = mx(o);
    h.send(mail);
    h.send('RCPT TO:<alice@example.test>');
    return h;
  }

  test('chunks are counted and LAST commits', () => {
    const h = inTx({}, 'MAIL FROM:<a@remote.test> BODY=BINARYMIME');
    assert.deepEqual(tags(h.send('BDAT 100')), ['250 2.0.0']);
    assert.deepEqual(tags(h.send('BDAT 50')), ['250 2.0.0']);
    assert.match(h.replies.at(-1)!.lines[0]!, /^150 octets/);
    assert.deepEqual(tags(h.send('BDAT 0 LAST')), ['250 2.0.0']);
    const chunks = h.ofType('receive-bdat');
    assert.deepEqual(chunks.map((c) => [c.size, c.keep, c.envelope !== null]), [[100, true, true], [50, true, false], [0, true, false]]);
    assert.equal(chunks[0]!.envelope!.body, 'BINARYMIME');
    assert.deepEqual(h.stored, ['Q1']);
    assert.equal(h.state.tx, null);
  });

  test('DATA after BDAT is 503', () => {
    const h = inTx();
    h.send('BDAT 10');
    assert.equal(one(h, 'DATA'), '503 5.5.1');
  });

  test('BDAT without MAIL still consumes the chunk, then 503', () => {
    const h = mx();
    assert.deepEqual(tags(h.send('BDAT 42 LAST')), ['503 5.5.1']);
    assert.deepEqual(h.ofType('receive-bdat'), [{ type: 'receive-bdat', size: 42, keep: false, envelope: null }]);
    assert.equal(h.state.phase.kind, 'command');
  });

  test('the reply to a refused BDAT waits until its chunk is read', () => {
    const h = mx();
    const effects = h.effects.length;
    h.send('BDAT 5');
    const [receive, chunkEndReply] = h.effects.slice(effects);
    assert.equal(receive!.type, 'receive-bdat');
    assert.equal(chunkEndReply!.type, 'reply');
  });

  test('BDAT without RCPT consumes the chunk, then 554', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test>');
    assert.deepEqual(tags(h.send('BDAT 3')), ['554 5.5.1']);
    assert.equal(h.ofType('receive-bdat')[0]!.keep, false);
  });

  test('BDAT over the size limit is 552, discarded, and the transaction ends', () => {
    const h = inTx({ config: { maxMessageSize: 100 } });
    assert.deepEqual(tags(h.send('BDAT 60')), ['250 2.0.0']);
    assert.deepEqual(tags(h.send('BDAT 60 LAST')), ['552 5.3.4']);
    assert.deepEqual(h.ofType('receive-bdat').map((c) => c.keep), [true, false]);
    assert.equal(h.ofType('discard-message').length, 1);
    assert.equal(h.ofType('commit').length, 0);
    assert.equal(h.state.tx, null);
    assert.equal(one(h, 'MAIL FROM:<b@remote.test>'), '250 2.1.0');
  });

  test('RSET after a BDAT chunk discards the message the chunk opened', () => {
    for (const reset of ['RSET', 'EHLO again.example.test', 'HELO again.example.test']) {
      const h = inTx();
      h.send('BDAT 10');
      assert.ok(h.ofType('receive-bdat')[0]!.envelope, 'the first chunk opens the message');
      h.send(reset);
      assert.equal(h.ofType('discard-message').length, 1, reset);
    }
  });

  test('STARTTLS after a BDAT chunk discards the message the chunk opened', () => {
    const h = inTx();
    h.send('BDAT 10');
    h.send('STARTTLS');
    assert.equal(h.ofType('discard-message').length, 1);
  });

  test('a first chunk over the limit opens no message', () => {
    const h = inTx({ config: { maxMessageSize: 100 } });
    assert.deepEqual(tags(h.send('BDAT 101 LAST')), ['552 5.3.4']);
    assert.deepEqual(h.ofType('receive-bdat'), [{ type: 'receive-bdat', size: 101, keep: false, envelope: null }]);
    assert.equal(h.state.tx, null);
  });
});
