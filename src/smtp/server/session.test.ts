import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Reply } from '../wire/reply.js';
import { b64, CRAM_SECRET, SessionHarness, TEST_NONCE, TEST_NOW, TEST_TLS, type HarnessOptions } from './session-testkit.js';

/** "code enhanced" of a reply, e.g. "550 5.7.1". */
const tag = (r: Reply | undefined): string => (r ? `${r.code}${r.enhanced ? ` ${r.enhanced}` : ''}` : 'none');
const tags = (rs: Reply[]): string[] => rs.map(tag);

/** A session greeted and past EHLO. */
function ready(o: HarnessOptions = {}, ehlo = 'EHLO client.example.test'): SessionHarness {
  const h = new SessionHarness(o);
  h.greet();
  h.send(ehlo);
  return h;
}

const mx = (o: HarnessOptions = {}) => ready({ ...o, config: { role: 'mx', ...o.config } });
const submission = (o: HarnessOptions = {}) => ready({ ...o, config: { role: 'submission', listener: '0.0.0.0:587', ...o.config } });
/** Submission inside TLS (after STARTTLS or on the submissions port), not yet authenticated. */
const secure = (o: HarnessOptions = {}) => ready({ tls: TEST_TLS, ...o, config: { role: 'submissions', listener: '0.0.0.0:465', ...o.config } });

/** Submission inside TLS and authenticated as alice. */
function authed(o: HarnessOptions = {}): SessionHarness {
  const h = secure(o);
  assert.deepEqual(tags(h.send(`AUTH PLAIN ${b64('\0alice\0secret')}`)), ['235 2.7.0']);
  return h;
}

/** The one reply of one line. */
function one(h: SessionHarness, line: string): string {
  const rs = h.send(line);
  assert.equal(rs.length, 1, `${line}: ${tags(rs).join(', ')}`);
  return tag(rs[0]);
}

const ehloLines = (h: SessionHarness) => {
  const r = h.send('EHLO again.example.test')[0]!;
  assert.equal(r.code, 250);
  return r.lines;
};

describe('greeting and EHLO', () => {
  test('the greeting is 220 with ESMTP and the host name', () => {
    const rs = new SessionHarness().greet();
    assert.equal(rs.length, 1);
    assert.equal(rs[0]!.code, 220);
    assert.match(rs[0]!.lines[0]!, /^mx\.example\.test ESMTP/);
  });

  test('EHLO lists the extensions and ends with HELP', () => {
    const lines = ehloLines(mx());
    assert.match(lines[0]!, /^mx\.example\.test greets again\.example\.test$/);
    for (const ext of ['PIPELINING', 'SIZE 10000', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'CHUNKING', 'BINARYMIME', 'DSN']) {
      assert.ok(lines.includes(ext), `${ext} in ${lines.join('|')}`);
    }
    assert.equal(lines.at(-1), 'HELP');
  });

  test('HELO answers with a single 250 line', () => {
    const h = new SessionHarness();
    assert.deepEqual(h.send('HELO client.example.test').map((r) => [r.code, r.lines.length]), [[250, 1]]);
  });

  test('STARTTLS is offered only before TLS and only when TLS is available', () => {
    assert.ok(ehloLines(mx()).includes('STARTTLS'));
    assert.ok(!ehloLines(mx({ tls: TEST_TLS })).includes('STARTTLS'));
    assert.ok(!ehloLines(mx({ config: { tlsAvailable: false } })).includes('STARTTLS'));
    assert.ok(!ehloLines(secure()).includes('STARTTLS'));
  });

  test('AUTH is never offered on mx, even inside TLS', () => {
    assert.ok(!ehloLines(mx()).some((l) => l.startsWith('AUTH')));
    assert.ok(!ehloLines(mx({ tls: TEST_TLS })).some((l) => l.startsWith('AUTH')));
  });

  test('AUTH is offered on submission only after TLS, and not once authenticated', () => {
    assert.ok(!ehloLines(submission()).some((l) => l.startsWith('AUTH')));
    assert.ok(ehloLines(secure()).includes('AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER'));
    assert.ok(ehloLines(secure({ config: { mechanisms: ['PLAIN'] } })).includes('AUTH PLAIN'));
    assert.ok(!ehloLines(secure({ config: { mechanisms: [] } })).some((l) => l.startsWith('AUTH')));
    assert.ok(!ehloLines(authed()).some((l) => l.startsWith('AUTH')));
  });

  test('EHLO after STARTTLS offers AUTH on submission', () => {
    const h = submission();
    const rs = h.send('STARTTLS');
    assert.deepEqual(tags(rs), ['220 2.0.0']);
    assert.equal(h.ofType('start-tls').length, 1);
    assert.ok(ehloLines(h).some((l) => l.startsWith('AUTH ')));
  });
});

describe('submission before TLS', () => {
  test('MAIL, AUTH, RCPT, DATA, VRFY are refused with 530 5.7.0', () => {
    const h = submission();
    for (const line of ['MAIL FROM:<alice@example.test>', `AUTH PLAIN ${b64('\0alice\0secret')}`, 'RCPT TO:<bob@example.test>', 'DATA', 'VRFY alice']) {
      assert.equal(one(h, line), '530 5.7.0', line);
    }
    assert.equal(h.state.user, null);
  });

  test('EHLO, HELO, NOOP, RSET, HELP and QUIT are fine', () => {
    const h = submission();
    assert.equal(one(h, 'NOOP'), '250 2.0.0');
    assert.equal(one(h, 'RSET'), '250 2.0.0');
    assert.equal(one(h, 'HELP'), '214 2.0.0');
    assert.equal(one(h, 'HELO client.example.test'), '250');
    assert.equal(one(h, 'EHLO client.example.test'), '250');
    assert.deepEqual(tags(h.send('QUIT')), ['221 2.0.0']);
    assert.ok(h.closed);
  });

  test('BDAT before TLS still consumes its chunk, then 530', () => {
    const h = submission();
    const rs = h.send('BDAT 10 LAST');
    assert.deepEqual(tags(rs), ['530 5.7.0']);
    assert.deepEqual(h.ofType('receive-bdat'), [{ type: 'receive-bdat', size: 10, keep: false, envelope: null }]);
  });
});

describe('submission inside TLS', () => {
  test('MAIL before AUTH is 530 5.7.0', () => {
    assert.equal(one(secure(), 'MAIL FROM:<alice@example.test>'), '530 5.7.0');
  });

  test('a sender the user does not own is 553 5.7.1', () => {
    const h = authed();
    assert.equal(one(h, 'MAIL FROM:<bob@example.test>'), '553 5.7.1');
    assert.equal(one(h, 'MAIL FROM:<>'), '553 5.7.1');
    assert.equal(one(h, 'MAIL FROM:<alice@example.test>'), '250 2.1.0');
  });

  test('an authenticated user sends to any domain, but not to a trailing-dot domain', () => {
    const h = authed();
    h.send('MAIL FROM:<alice@example.test>');
    assert.equal(one(h, 'RCPT TO:<someone@elsewhere.test>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<someone@elsewhere.test.>'), '501 5.1.3');
  });

  test('a whole transaction: envelope, commit, queued id', () => {
    const h = authed();
    h.send('MAIL FROM:<alice@example.test> BODY=8BITMIME RET=HDRS ENVID=abc+2Bdef');
    h.send('RCPT TO:<carol@elsewhere.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;carol+40elsewhere.test');
    const rs = h.send('DATA');
    assert.deepEqual(tags(rs), ['354', '250 2.0.0']);
    assert.match(rs[1]!.lines[0]!, /Q1/);
    const [receive] = h.ofType('receive-data');
    assert.deepEqual(receive!.envelope, {
      sender: 'alice@example.test',
      recipients: [{ address: 'carol@elsewhere.test', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;carol@elsewhere.test' }],
      body: '8BITMIME',
      smtputf8: false,
      ret: 'HDRS',
      envid: 'abc+def',
      authUser: 'alice',
      client: { address: '192.0.2.9', port: 40123, helo: 'client.example.test' },
      tls: TEST_TLS,
      role: 'submissions',
      listener: '0.0.0.0:465',
      receivedAt: TEST_NOW,
    });
    assert.equal(h.state.tx, null);
    assert.equal(h.state.phase.kind, 'command');
  });
});

describe('mx recipients', () => {
  function inTx(o: HarnessOptions = {}): SessionHarness {
    const h = mx(o);
    assert.equal(one(h, 'MAIL FROM:<sender@remote.test>'), '250 2.1.0');
    return h;
  }

  test('a local user is accepted, a foreign domain is relay denied, an unknown user is 5.1.1', () => {
    const h = inTx();
    assert.equal(one(h, 'RCPT TO:<alice@example.test>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<Alice@EXAMPLE.test>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<someone@elsewhere.test>'), '550 5.7.1');
    assert.equal(one(h, 'RCPT TO:<nobody@example.test>'), '550 5.1.1');
    assert.deepEqual(h.state.tx!.recipients.map((r) => r.address), ['alice@example.test', 'Alice@example.test']);
  });

  test('relay tricks are 550 5.7.1 even for local users', () => {
    const h = inTx();
    for (const trick of [
      '<@relay.test:alice@example.test>',
      '<alice%elsewhere.test@example.test>',
      '<elsewhere.test!alice@example.test>',
      '<"alice@elsewhere.test"@example.test>',
      '<alice@example.test.>',
      '<alice@[127.0.0.1]>',
      '<alice@[IPv6:::1]>',
    ]) {
      assert.equal(one(h, `RCPT TO:${trick}`), '550 5.7.1', trick);
    }
    assert.deepEqual(h.state.tx!.recipients, []);
  });

  test('postmaster is accepted without a domain', () => {
    const h = inTx();
    assert.equal(one(h, 'RCPT TO:<Postmaster>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<postmaster@example.test>'), '250 2.1.5');
    assert.deepEqual(h.state.tx!.recipients.map((r) => r.address), ['postmaster@mx.example.test', 'postmaster@example.test']);
  });

  test('the null path is no recipient', () => {
    assert.equal(one(inTx(), 'RCPT TO:<>'), '501 5.1.3');
  });

  test('a UTF-8 recipient needs SMTPUTF8 at MAIL', () => {
    const h = mx({ directory: { recipient: (a) => (a === 'jörg@example.test' ? 'accept' : 'not-local'), maySendAs: () => false } });
    h.send('MAIL FROM:<sender@remote.test>');
    assert.equal(one(h, 'RCPT TO:<jörg@example.test>'), '553 5.6.7');
    h.send('RSET');
    assert.equal(one(h, 'MAIL FROM:<sender@remote.test> SMTPUTF8'), '250 2.1.0');
    assert.equal(one(h, 'RCPT TO:<jörg@example.test>'), '250 2.1.5');
  });

  test('mx takes MAIL without AUTH and any sender, the null sender too', () => {
    const h = mx();
    assert.equal(one(h, 'MAIL FROM:<>'), '250 2.1.0');
    assert.equal(h.state.tx!.sender, '');
  });

  test('AUTH on mx is 503', () => {
    assert.equal(one(mx({ tls: TEST_TLS }), `AUTH PLAIN ${b64('\0alice\0secret')}`), '503 5.5.1');
  });
});

describe('command order', () => {
  test('MAIL before EHLO is 503', () => {
    const h = new SessionHarness();
    assert.equal(one(h, 'MAIL FROM:<a@remote.test>'), '503 5.5.1');
  });

  test('nested MAIL is 503; RSET ends the transaction', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test>');
    assert.equal(one(h, 'MAIL FROM:<b@remote.test>'), '503 5.5.1');
    assert.equal(one(h, 'RSET'), '250 2.0.0');
    assert.equal(one(h, 'MAIL FROM:<b@remote.test>'), '250 2.1.0');
  });

  test('EHLO ends the transaction', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test>');
    h.send('EHLO again.test');
    assert.equal(h.state.tx, null);
    assert.equal(one(h, 'MAIL FROM:<b@remote.test>'), '250 2.1.0');
  });

  test('RCPT before MAIL is 503', () => {
    assert.equal(one(mx(), 'RCPT TO:<alice@example.test>'), '503 5.5.1');
  });

  test('DATA without MAIL is 503, without RCPT 554', () => {
    const h = mx();
    assert.equal(one(h, 'DATA'), '503 5.5.1');
    h.send('MAIL FROM:<a@remote.test>');
    assert.equal(one(h, 'DATA'), '554 5.5.1');
    h.send('RCPT TO:<nobody@example.test>');
    assert.equal(one(h, 'DATA'), '554 5.5.1');
    assert.equal(h.ofType('receive-data').length, 0);
  });

  test('DATA before EHLO is 503', () => {
    assert.equal(one(new SessionHarness(), 'DATA'), '503 5.5.1');
  });

  test('VRFY is 252, HELP 214', () => {
    const h = mx();
    assert.equal(one(h, 'VRFY alice'), '252 2.5.0');
    assert.equal(one(h, 'HELP'), '214 2.0.0');
  });

  test('a bad command line gets its parser reply', () => {
    const h = mx();
    assert.equal(one(h, 'WHATISTHIS'), '500 5.5.1');
    assert.equal(one(h, 'MAIL FROM:a@remote.test'), '501 5.5.4');
  });
});

describe('MAIL and RCPT parameters', () => {
  function inTx(mail = 'MAIL FROM:<a@remote.test>', o: HarnessOptions = {}): SessionHarness {
    const h = mx(o);
    assert.equal(one(h, mail), '250 2.1.0');
    return h;
  }

  test('too many recipients is 452 4.5.3', () => {
    const h = inTx(undefined, { config: { maxRecipients: 2 } });
    assert.equal(one(h, 'RCPT TO:<alice@example.test>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<bob@example.test>'), '250 2.1.5');
    assert.equal(one(h, 'RCPT TO:<postmaster@example.test>'), '452 4.5.3');
    assert.equal(h.state.tx!.recipients.length, 2);
  });

  test('SIZE over the limit is 552 5.3.4; at the limit it is fine', () => {
    assert.equal(one(mx(), 'MAIL FROM:<a@remote.test> SIZE=10001'), '552 5.3.4');
    assert.equal(inTx('MAIL FROM:<a@remote.test> SIZE=10000').state.tx!.declaredSize, 10000);
  });

  test('bad values are 501 5.5.4', () => {
    for (const p of ['SIZE=x', 'SIZE', 'BODY=9BIT', 'BODY', 'SMTPUTF8=yes', 'RET=ALL', 'RET', 'ENVID=a+zz', `ENVID=${'e'.repeat(101)}`, 'AUTH', 'AUTH=a+g0']) {
      assert.equal(one(mx(), `MAIL FROM:<a@remote.test> ${p}`), '501 5.5.4', p);
    }
    for (const p of ['NOTIFY=NEVER,SUCCESS', 'NOTIFY=SOMETIMES', 'NOTIFY', 'NOTIFY=SUCCESS,SUCCESS', 'ORCPT=bob@example.test', 'ORCPT=rfc822;', 'ORCPT']) {
      assert.equal(one(inTx(), `RCPT TO:<alice@example.test> ${p}`), '501 5.5.4', p);
    }
  });

  test('good values are kept', () => {
    const h = inTx('MAIL FROM:<a@remote.test> SIZE=99 BODY=binarymime SMTPUTF8 RET=full ENVID=x+3Dy AUTH=<>');
    assert.deepEqual(h.state.tx, {
      sender: 'a@remote.test',
      recipients: [],
      bdat: null,
      body: 'BINARYMIME',
      smtputf8: true,
      ret: 'FULL',
      envid: 'x=y',
      declaredSize: 99,
    });
    assert.equal(one(h, 'RCPT TO:<alice@example.test> NOTIFY=never ORCPT=RFC822;alice+40example.test'), '250 2.1.5');
    assert.deepEqual(h.state.tx!.recipients, [{ address: 'alice@example.test', notify: ['NEVER'], orcpt: 'rfc822;alice@example.test' }]);
  });

  test('an unknown parameter is 555 5.5.4', () => {
    assert.equal(one(mx(), 'MAIL FROM:<a@remote.test> XYZ=1'), '555 5.5.4');
    assert.equal(one(inTx(), 'RCPT TO:<alice@example.test> SIZE=1'), '555 5.5.4');
  });

  test('a parameter given twice is 501', () => {
    assert.equal(one(mx(), 'MAIL FROM:<a@remote.test> SIZE=1 SIZE=2'), '501 5.5.4');
    assert.equal(one(mx(), 'MAIL FROM:<a@remote.test> BODY=7BIT body=8BITMIME'), '501 5.5.4');
    assert.equal(one(inTx(), 'RCPT TO:<alice@example.test> NOTIFY=DELAY NOTIFY=FAILURE'), '501 5.5.4');
  });

  test('after HELO (not EHLO) any parameter is 555', () => {
    const h = ready({}, 'HELO client.example.test');
    assert.equal(one(h, 'MAIL FROM:<a@remote.test> SIZE=10'), '555 5.5.4');
    assert.equal(one(h, 'MAIL FROM:<a@remote.test>'), '250 2.1.0');
  });
});

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

describe('AUTH', () => {
  test('PLAIN with an initial response', () => {
    const h = secure();
    assert.deepEqual(tags(h.send(`AUTH PLAIN ${b64('\0alice\0secret')}`)), ['235 2.7.0']);
    assert.deepEqual(h.ofType('check-auth'), [{ type: 'check-auth', credentials: { kind: 'password', user: 'alice', password: 'secret' } }]);
    assert.equal(h.state.user, 'alice');
    assert.equal(one(h, 'MAIL FROM:<alice@example.test>'), '250 2.1.0');
  });

  test('PLAIN without an initial response gets an empty 334', () => {
    const h = secure();
    const rs = h.send('AUTH PLAIN');
    assert.deepEqual(rs.map((r) => [r.code, r.lines]), [[334, ['']]]);
    assert.equal(h.state.phase.kind, 'auth');
    assert.deepEqual(tags(h.send(b64('alice\0alice\0secret'))), ['235 2.7.0']);
  });

  test('LOGIN asks for user name then password', () => {
    const h = secure();
    assert.deepEqual(h.send('AUTH LOGIN').map((r) => [r.code, r.lines[0]]), [[334, b64('Username:')]]);
    assert.deepEqual(h.send(b64('alice')).map((r) => [r.code, r.lines[0]]), [[334, b64('Password:')]]);
    assert.deepEqual(tags(h.send(b64('secret'))), ['235 2.7.0']);
  });

  test('CRAM-MD5 sends a unique challenge and checks the digest', () => {
    const h = secure();
    const [challenge] = h.send('AUTH CRAM-MD5');
    assert.equal(challenge!.code, 334);
    const text = Buffer.from(challenge!.lines[0]!, 'base64').toString();
    assert.equal(text, `<${TEST_NONCE}.${TEST_NOW}@mx.example.test>`);
    const digest = createHmac('md5', CRAM_SECRET).update(text).digest('hex');
    assert.deepEqual(tags(h.send(b64(`alice ${digest}`))), ['235 2.7.0']);
  });

  test('XOAUTH2 with a good token', () => {
    const h = secure();
    assert.deepEqual(tags(h.send(`AUTH XOAUTH2 ${b64('user=alice\x01auth=Bearer good-token\x01\x01')}`)), ['235 2.7.0']);
  });

  test('XOAUTH2 with a bad token: an error challenge, then 535', () => {
    const h = secure();
    const [challenge] = h.send(`AUTH XOAUTH2 ${b64('user=alice\x01auth=Bearer bad-token\x01\x01')}`);
    assert.equal(challenge!.code, 334);
    assert.equal(JSON.parse(Buffer.from(challenge!.lines[0]!, 'base64').toString()).status, '401');
    assert.deepEqual(tags(h.send('')), ['535 5.7.8']);
    assert.deepEqual(h.ofType('delay'), [{ type: 'delay', ms: 1000 }]);
    assert.equal(h.state.user, null);
  });

  test('OAUTHBEARER with a good token, and the failure challenge on a bad one', () => {
    const good = secure();
    assert.deepEqual(tags(good.send(`AUTH OAUTHBEARER ${b64('n,a=alice,\x01host=mx\x01auth=Bearer good-token\x01\x01')}`)), ['235 2.7.0']);
    const bad = secure();
    const [challenge] = bad.send('AUTH OAUTHBEARER');
    assert.deepEqual([challenge!.code, challenge!.lines], [334, ['']]);
    const [error] = bad.send(b64('n,a=alice,\x01auth=Bearer expired\x01\x01'));
    assert.equal(error!.code, 334);
    assert.equal(JSON.parse(Buffer.from(error!.lines[0]!, 'base64').toString()).status, 'invalid_token');
    assert.deepEqual(tags(bad.send(b64('\x01'))), ['535 5.7.8']);
  });

  test('"*" cancels the exchange with 501', () => {
    const h = secure();
    h.send('AUTH LOGIN');
    h.send(b64('alice'));
    assert.deepEqual(tags(h.send('*')), ['501 5.0.0']);
    assert.equal(h.state.phase.kind, 'command');
    assert.equal(h.state.authFailures, 0);
  });

  test('bad base64 is 501 5.5.2', () => {
    const h = secure();
    assert.deepEqual(tags(h.send('AUTH PLAIN something')), ['501 5.5.2']);
    h.send('AUTH PLAIN');
    assert.deepEqual(tags(h.send('not base64!')), ['501 5.5.2']);
    assert.equal(h.state.phase.kind, 'command');
  });

  test('an unknown or unoffered mechanism is 504 5.5.4', () => {
    assert.equal(one(secure(), 'AUTH SOMETHINGELSE'), '504 5.5.4');
    assert.equal(one(secure({ config: { mechanisms: ['PLAIN'] } }), 'AUTH LOGIN'), '504 5.5.4');
  });

  test('AUTH before EHLO, or once authenticated, is 503', () => {
    const before = new SessionHarness({ tls: TEST_TLS, config: { role: 'submissions' } });
    assert.equal(one(before, `AUTH PLAIN ${b64('\0alice\0secret')}`), '503 5.5.1');
    const h = authed();
    assert.equal(one(h, `AUTH PLAIN ${b64('\0alice\0secret')}`), '503 5.5.1');
    h.send('MAIL FROM:<alice@example.test>');
    assert.equal(one(h, 'AUTH LOGIN'), '503 5.5.1');
  });

  test('failures: the delay grows, and the last allowed failure gets 421 and close', () => {
    const h = secure({ config: { maxAuthFailures: 3, authFailureDelayMs: 500 } });
    const wrong = `AUTH PLAIN ${b64('\0alice\0wrong')}`;
    assert.deepEqual(tags(h.send(wrong)), ['535 5.7.8']);
    assert.deepEqual(tags(h.send(wrong)), ['535 5.7.8']);
    assert.deepEqual(tags(h.send(wrong)), ['421 4.7.0']);
    assert.deepEqual(h.ofType('delay').map((d) => d.ms), [500, 1000, 1500]);
    assert.ok(h.closed);
    assert.deepEqual(h.effects.at(-1), { type: 'close' });
    assert.equal(h.ctx.authFailuresRecorded, 3);
  });

  test('the delay comes before the failure reply', () => {
    const h = secure();
    const from = h.effects.length;
    h.send(`AUTH PLAIN ${b64('\0alice\0wrong')}`);
    assert.deepEqual(h.effects.slice(from).map((e) => e.type), ['check-auth', 'delay', 'reply']);
  });

  test('a client IP blocked for failures elsewhere gets 421 and close', () => {
    const h = secure();
    h.ctx.blocked = true;
    assert.deepEqual(tags(h.send('AUTH PLAIN')), ['421 4.7.0']);
    assert.ok(h.closed);
  });

  test('a bad line during an AUTH exchange ends the exchange', () => {
    const h = secure();
    h.send('AUTH LOGIN');
    assert.deepEqual(tags(h.input({ type: 'bad-line', reason: 'bare-newline' })), ['500 5.5.2']);
    assert.equal(h.state.phase.kind, 'command');
    assert.equal(one(h, 'NOOP'), '250 2.0.0');
  });

  test('a malformed PLAIN response is 501, not a credential failure', () => {
    const h = secure();
    assert.deepEqual(tags(h.send(`AUTH PLAIN ${b64('bob\0alice\0secret')}`)), ['501 5.5.2']);
    assert.equal(h.state.authFailures, 0);
    assert.equal(h.ofType('check-auth').length, 0);
  });
});

describe('error budget, protocol abuse and the end of a session', () => {
  test('after maxErrors 5xx replies: 421 4.7.0 and close', () => {
    const h = mx({ config: { maxErrors: 3 } });
    assert.deepEqual(tags(h.send('BOGUS')), ['500 5.5.1']);
    assert.deepEqual(tags(h.send('NOOP')), ['250 2.0.0']);
    assert.deepEqual(tags(h.send('RCPT TO:<alice@example.test>')), ['503 5.5.1']);
    assert.deepEqual(tags(h.send('MAIL FROM:<a@remote.test>')), ['250 2.1.0']);
    assert.deepEqual(tags(h.send('RCPT TO:<x@elsewhere.test>')), ['550 5.7.1', '421 4.7.0']);
    assert.ok(h.closed);
    assert.deepEqual(h.effects.at(-1), { type: 'close' });
    assert.equal(h.state.tx, null);
  });

  test('4xx replies do not count toward the error budget', () => {
    const h = mx({ config: { maxErrors: 2, maxRecipients: 1 } });
    h.send('MAIL FROM:<a@remote.test>');
    h.send('RCPT TO:<alice@example.test>');
    for (let i = 0; i < 5; i++) assert.deepEqual(tags(h.send('RCPT TO:<bob@example.test>')), ['452 4.5.3']);
    assert.equal(h.closed, false);
  });

  test('the policy table: refused harmless commands (RSET with an argument) cost nothing', () => {
    const h = mx({ config: { maxErrors: 2 } });
    for (let i = 0; i < 5; i++) assert.deepEqual(tags(h.send('RSET now')), ['501 5.5.4']);
    assert.equal(h.closed, false);
    assert.equal(h.state.errors, 0);
  });

  test('the policy table: a command that ends a pipelined group flushes its replies', () => {
    const h = mx();
    h.send('EHLO client.test');
    assert.deepEqual(h.effects.at(-1), { type: 'flush' });
    h.send('MAIL FROM:<a@remote.test>');
    assert.equal(h.effects.at(-1)?.type, 'reply'); // MAIL may be followed by more of the group
  });

  test('bad lines count as errors', () => {
    const h = mx({ config: { maxErrors: 3 } });
    assert.deepEqual(tags(h.input({ type: 'bad-line', reason: 'too-long' })), ['500 5.5.6']);
    assert.deepEqual(tags(h.input({ type: 'bad-line', reason: 'bare-newline' })), ['500 5.5.2']);
    assert.deepEqual(tags(h.input({ type: 'bad-line', reason: 'invalid-utf8' })), ['500 5.5.2', '421 4.7.0']);
    assert.ok(h.closed);
  });

  test('an HTTP request line closes without a reply', () => {
    for (const line of ['GET / HTTP/1.1', 'POST /evil HTTP/1.1', 'CONNECT www.evil.test:80 HTTP/1.1', 'GET /evil']) {
      const h = mx();
      const from = h.effects.length;
      assert.deepEqual(h.send(line), [], line);
      assert.deepEqual(h.effects.slice(from), [{ type: 'close' }], line);
      assert.ok(h.closed);
    }
  });

  test('tls-started resets HELO, user and transaction but keeps the counters', () => {
    const h = mx({ config: { maxErrors: 10 } });
    h.send('BOGUS');
    h.send('MAIL FROM:<a@remote.test>');
    assert.deepEqual(tags(h.send('STARTTLS')), ['220 2.0.0']);
    assert.deepEqual(h.state.tls, TEST_TLS);
    assert.equal(h.state.helo, null);
    assert.equal(h.state.tx, null);
    assert.equal(h.state.user, null);
    assert.equal(h.state.errors, 1);
    assert.equal(h.state.phase.kind, 'command');
    assert.equal(one(h, 'MAIL FROM:<a@remote.test>'), '503 5.5.1');
  });

  test('tls-started forgets an authenticated user', () => {
    const h = authed();
    h.input({ type: 'tls-started', tls: TEST_TLS });
    assert.equal(h.state.user, null);
    assert.equal(h.state.helo, null);
  });

  test('STARTTLS twice is 503, and 454 when TLS is unavailable', () => {
    assert.equal(one(mx({ tls: TEST_TLS }), 'STARTTLS'), '503 5.5.1');
    const h = mx({ config: { tlsAvailable: false } });
    assert.equal(one(h, 'STARTTLS'), '454 4.7.0');
    assert.equal(h.ofType('start-tls').length, 0);
  });

  test('a timeout is 421 4.4.2 and close', () => {
    const h = mx();
    h.send('MAIL FROM:<a@remote.test>');
    assert.deepEqual(tags(h.input({ type: 'timeout' })), ['421 4.4.2']);
    assert.deepEqual(h.effects.at(-1), { type: 'close' });
    assert.ok(h.closed);
    assert.equal(h.state.tx, null);
  });

  test('QUIT is 221 and close', () => {
    const h = mx();
    assert.deepEqual(tags(h.send('QUIT')), ['221 2.0.0']);
    assert.deepEqual(h.effects.at(-1), { type: 'close' });
    assert.ok(h.closed);
  });

  test('lines that arrive after close get no answer', () => {
    const h = mx();
    h.send('QUIT');
    const from = h.effects.length;
    assert.deepEqual(h.send('NOOP'), []);
    assert.equal(h.effects.length, from);
  });
});
