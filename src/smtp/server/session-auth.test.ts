// The session state machine: AUTH exchanges and failures, the error budget, and how sessions end.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  authed, b64, CRAM_SECRET, mx, one, secure, SessionHarness, tags, TEST_NONCE, TEST_NOW, TEST_TLS,
} from './session-testkit.js';

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
