import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OAuthBearerExchange, XOAuth2Exchange } from './bearer.js';
import { CramMd5Exchange } from './cram-md5.js';
import { createExchange, MECHANISMS, type SaslExchange, type SaslStep } from './index.js';
import { LoginExchange, PlainExchange } from './password.js';
import { decodeBase64, encodeBase64 } from './types.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const fail = (step: SaslStep) => (step.kind === 'fail' ? `${step.reply.code} ${step.reply.enhanced}` : `not a failure: ${step.kind}`);
const ctx = { nonce: () => 'abc123', now: () => 1700000000000, hostname: 'mx.example.test' };

test('decodeBase64 is strict; "=" is the empty response', () => {
  assert.equal(decodeBase64('=')!.length, 0);
  assert.equal(decodeBase64('dGVzdA==')!.toString(), 'test');
  assert.equal(decodeBase64('dGVzdDE=')!.toString(), 'test1');
  assert.equal(decodeBase64('dGVzdDEy')!.toString(), 'test12');
  for (const bad of ['dGVzdA', 'dGVzdA=', 'dGVz dA==', 'dGVzdA==\r', '====', 'dGVzdA===', '*', 'a', '-_-_', 'dGVzdA==dGVz']) {
    assert.equal(decodeBase64(bad), null, JSON.stringify(bad));
  }
  assert.equal(encodeBase64('Username:'), 'VXNlcm5hbWU6');
});

test('createExchange knows the five mechanisms by their upper-case names', () => {
  assert.deepEqual([...MECHANISMS], ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER']);
  for (const m of MECHANISMS) assert.notEqual(createExchange(m, ctx), null, m);
  for (const m of ['plain', 'GSSAPI', 'SCRAM-SHA-256', 'ANONYMOUS', 'EXTERNAL', '']) assert.equal(createExchange(m, ctx), null, m);
});

test('PLAIN: authcid and password, with an empty or equal authzid', () => {
  assert.deepEqual(new PlainExchange().start(b64('\0alice\0s3cret')), { kind: 'done', credentials: { kind: 'password', user: 'alice', password: 's3cret' } });
  assert.deepEqual(new PlainExchange().start(b64('alice\0alice\0pw')), { kind: 'done', credentials: { kind: 'password', user: 'alice', password: 'pw' } });
  assert.deepEqual(new PlainExchange().start(b64('\0jörg@bücher.test\0pässwörd')), {
    kind: 'done',
    credentials: { kind: 'password', user: 'jörg@bücher.test', password: 'pässwörd' },
  });
  assert.deepEqual(new PlainExchange().start(b64('\0alice\0')), { kind: 'done', credentials: { kind: 'password', user: 'alice', password: '' } });
});

test('PLAIN without an initial response asks with an empty challenge', () => {
  const x = new PlainExchange();
  assert.deepEqual(x.start(undefined), { kind: 'challenge', data: '' });
  assert.equal(x.respond(b64('\0alice\0pw')).kind, 'done');
});

test('PLAIN refuses malformed responses', () => {
  const x = () => new PlainExchange();
  assert.equal(fail(x().start('not base64!')), '501 5.5.2');
  assert.equal(fail(x().respond('dGVzdA')), '501 5.5.2');
  for (const raw of ['alice\0pw', '\0\0pw', 'bob\0alice\0pw', '\0alice\0pw\0extra', 'alice', '']) {
    assert.equal(fail(x().respond(b64(raw))), '501 5.5.2', JSON.stringify(raw));
  }
  assert.equal(fail(x().start('=')), '501 5.5.2');
});

test('LOGIN: user name then password', () => {
  const x = new LoginExchange();
  assert.deepEqual(x.start(undefined), { kind: 'challenge', data: b64('Username:') });
  assert.deepEqual(x.respond(b64('alice')), { kind: 'challenge', data: b64('Password:') });
  assert.deepEqual(x.respond(b64('pw')), { kind: 'done', credentials: { kind: 'password', user: 'alice', password: 'pw' } });
});

test('LOGIN with the user name as initial response', () => {
  const x = new LoginExchange();
  assert.deepEqual(x.start(b64('alice')), { kind: 'challenge', data: b64('Password:') });
  assert.deepEqual(x.respond('='), { kind: 'done', credentials: { kind: 'password', user: 'alice', password: '' } });
});

test('LOGIN refuses an empty user name and bad base64 at each step', () => {
  assert.equal(fail(new LoginExchange().start('=')), '501 5.5.2');
  assert.equal(fail(new LoginExchange().start('###')), '501 5.5.2');
  const x = new LoginExchange();
  x.start(undefined);
  x.respond(b64('alice'));
  assert.equal(fail(x.respond('p w')), '501 5.5.2');
});

test('CRAM-MD5: a msg-id challenge, then user and hex digest', () => {
  const x = new CramMd5Exchange('abc123', 1700000000000, 'mx.example.test');
  const start = x.start(undefined);
  assert.equal(start.kind, 'challenge');
  const challenge = Buffer.from(start.kind === 'challenge' ? start.data : '', 'base64').toString();
  assert.equal(challenge, '<abc123.1700000000000@mx.example.test>');
  const digest = '0F1E2D3C4B5A69788796A5B4C3D2E1F0';
  assert.deepEqual(x.respond(b64(`tim ${digest}`)), {
    kind: 'done',
    credentials: { kind: 'cram-md5', user: 'tim', challenge, digest: digest.toLowerCase() },
  });
});

test('CRAM-MD5 challenges differ with the nonce', () => {
  const a = createExchange('CRAM-MD5', { ...ctx, nonce: () => 'one' })!.start(undefined);
  const b = createExchange('CRAM-MD5', { ...ctx, nonce: () => 'two' })!.start(undefined);
  assert.notDeepEqual(a, b);
});

test('CRAM-MD5 refuses an initial response and malformed answers', () => {
  const x = () => new CramMd5Exchange('n', 1, 'h');
  assert.equal(fail(x().start(b64('tim 0123456789abcdef0123456789abcdef'))), '501 5.5.2');
  assert.equal(fail(x().respond('%%%')), '501 5.5.2');
  for (const raw of [
    'tim',
    'tim 0123456789abcdef',
    'tim 0123456789abcdef0123456789abcdeg',
    'tim 0123456789abcdef0123456789abcdef0',
    'tim  0123456789abcdef0123456789abcdef',
    ' 0123456789abcdef0123456789abcdef',
    'tim 0123456789abcdef0123456789abcdef extra',
    '',
  ]) {
    assert.equal(fail(x().respond(b64(raw))), '501 5.5.2', JSON.stringify(raw));
  }
});

test('XOAUTH2: user and bearer token', () => {
  const x = new XOAuth2Exchange();
  assert.deepEqual(x.start(undefined), { kind: 'challenge', data: '' });
  assert.deepEqual(x.respond(b64('user=alice@example.test\x01auth=Bearer ya29.tok-en\x01\x01')), {
    kind: 'done',
    credentials: { kind: 'token', user: 'alice@example.test', token: 'ya29.tok-en' },
  });
  assert.deepEqual(new XOAuth2Exchange().start(b64('auth=bearer T\x01USER=bob\x01\x01')), {
    kind: 'done',
    credentials: { kind: 'token', user: 'bob', token: 'T' },
  });
});

test('XOAUTH2 refuses malformed responses', () => {
  const x = () => new XOAuth2Exchange();
  assert.equal(fail(x().start('not base64')), '501 5.5.2');
  for (const raw of [
    'auth=Bearer T\x01\x01',
    'user=alice\x01\x01',
    'user=alice\x01auth=Basic T\x01\x01',
    'user=alice\x01auth=Bearer\x01\x01',
    'user=alice\x01auth=Bearer T U\x01\x01',
    'user=\x01auth=Bearer T\x01\x01',
    '',
  ]) {
    assert.equal(fail(x().respond(b64(raw))), '501 5.5.2', JSON.stringify(raw));
  }
});

test('XOAUTH2 failure challenge is the 401 JSON', () => {
  const json = JSON.parse(Buffer.from(new XOAuth2Exchange().failureChallenge, 'base64').toString());
  assert.equal(json.status, '401');
  assert.equal(json.schemes, 'bearer');
});

test('OAUTHBEARER: gs2 header with the user, then the bearer token', () => {
  const x = new OAuthBearerExchange();
  assert.deepEqual(x.start(b64('n,a=alice@example.test,\x01host=mx.example.test\x01port=587\x01auth=Bearer tok\x01\x01')), {
    kind: 'done',
    credentials: { kind: 'token', user: 'alice@example.test', token: 'tok' },
  });
  assert.deepEqual(new OAuthBearerExchange().start(b64('y,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01')), {
    kind: 'done',
    credentials: { kind: 'token', user: 'a,b=c', token: 't' },
  });
  assert.deepEqual(new OAuthBearerExchange().start(b64('n,a==3D2C,\x01auth=Bearer t\x01\x01')), {
    kind: 'done',
    credentials: { kind: 'token', user: '=2C', token: 't' },
  });
});

test('OAUTHBEARER refuses malformed responses', () => {
  const x = () => new OAuthBearerExchange();
  assert.equal(fail(x().respond('!!')), '501 5.5.2');
  for (const raw of [
    'n,,\x01auth=Bearer t\x01\x01', // no authzid: Petrel needs the user name
    'p=tls-unique,a=alice,\x01auth=Bearer t\x01\x01',
    'n,a=alice\x01auth=Bearer t\x01\x01',
    'n,a=alice,\x01auth=Basic t\x01\x01',
    'n,a=alice,\x01\x01',
    'x,a=alice,\x01auth=Bearer t\x01\x01',
    '',
  ]) {
    assert.equal(fail(x().respond(b64(raw))), '501 5.5.2', JSON.stringify(raw));
  }
});

test('OAUTHBEARER failure challenge is the invalid_token JSON', () => {
  const json = JSON.parse(Buffer.from(new OAuthBearerExchange().failureChallenge, 'base64').toString());
  assert.equal(json.status, 'invalid_token');
});

test('password mechanisms have no failure challenge', () => {
  const exchanges: SaslExchange[] = [new PlainExchange(), new LoginExchange(), new CramMd5Exchange('n', 1, 'h')];
  for (const x of exchanges) assert.equal(x.failureChallenge, undefined);
});
