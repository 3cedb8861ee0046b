// The session state machine: greeting, EHLO, TLS order, roles, transaction order and parameters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  authed, b64, ehloLines, mx, one, ready, secure, SessionHarness, submission, tags, TEST_NOW, TEST_TLS, type HarnessOptions,
} from './session-testkit.js';

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
