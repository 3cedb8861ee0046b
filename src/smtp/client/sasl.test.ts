import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XOAuth2Exchange } from '../sasl/bearer.js';
import { CramMd5Exchange } from '../sasl/cram-md5.js';
import { LoginExchange, PlainExchange } from '../sasl/password.js';
import { chooseMechanism, createMechanism, cramMd5, login, plain, xoauth2 } from './sasl.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test('PLAIN: "\\0user\\0password" as the initial response, understood by our server side', () => {
  const m = plain('jörg@bücher.test', 'pässwörd');
  assert.equal(unb64(m.initial!), '\0jörg@bücher.test\0pässwörd');
  assert.deepEqual(new PlainExchange().start(m.initial!), {
    kind: 'done',
    credentials: { kind: 'password', user: 'jörg@bücher.test', password: 'pässwörd' },
  });
  assert.equal(m.respond(''), m.initial, 'a server that ignored it gets it again');
  assert.equal(m.respond(''), '*', 'then we cancel');
});

test('LOGIN: user then password, whatever the prompts say', () => {
  const m = login('alice', 'pw');
  assert.equal(m.initial, null);
  const server = new LoginExchange();
  const s1 = server.start(undefined);
  assert.equal(s1.kind, 'challenge');
  const s2 = server.respond(m.respond(s1.kind === 'challenge' ? s1.data : ''));
  const s3 = server.respond(m.respond(s2.kind === 'challenge' ? s2.data : ''));
  assert.deepEqual(s3, { kind: 'done', credentials: { kind: 'password', user: 'alice', password: 'pw' } });
  assert.equal(m.respond(b64('More?')), '*');
});

test('CRAM-MD5: the RFC 2195 example', () => {
  const m = cramMd5('tim', 'tanstaaftanstaaf');
  assert.equal(m.initial, null);
  const answer = m.respond(b64('<1896.697170952@postoffice.reston.mci.net>'));
  assert.equal(unb64(answer), 'tim b913a602c7eda7a495b4e6e7334d3890');
});

test('CRAM-MD5 answers our server side challenge', () => {
  const server = new CramMd5Exchange('n1', 1700000000000, 'mx.test');
  const ch = server.start(undefined);
  const done = server.respond(cramMd5('tim', 'pw').respond(ch.kind === 'challenge' ? ch.data : ''));
  assert.equal(done.kind, 'done');
  assert.equal(done.kind === 'done' && done.credentials.kind === 'cram-md5' ? done.credentials.user : '', 'tim');
});

test('XOAUTH2: user and bearer token; an error challenge gets an empty line', () => {
  const m = xoauth2('alice@example.test', 'ya29.tok');
  assert.equal(unb64(m.initial!), 'user=alice@example.test\x01auth=Bearer ya29.tok\x01\x01');
  assert.deepEqual(new XOAuth2Exchange().start(m.initial!), {
    kind: 'done',
    credentials: { kind: 'token', user: 'alice@example.test', token: 'ya29.tok' },
  });
  assert.equal(m.respond(b64('{"status":"401","schemes":"bearer","scope":""}')), '');
  assert.equal(m.respond(''), '*');
});

test('chooseMechanism: our order of preference among what the server offers and we can do', () => {
  const pw = { user: 'u', password: 'p' };
  const tok = { user: 'u', token: async () => 't' };
  assert.equal(chooseMechanism(['PLAIN', 'LOGIN', 'CRAM-MD5'], pw), 'CRAM-MD5');
  assert.equal(chooseMechanism(['login', 'plain'], pw), 'PLAIN');
  assert.equal(chooseMechanism(['LOGIN'], pw), 'LOGIN');
  assert.equal(chooseMechanism(['XOAUTH2', 'PLAIN'], pw), 'PLAIN', 'no token, no XOAUTH2');
  assert.equal(chooseMechanism(['PLAIN', 'XOAUTH2'], tok), 'XOAUTH2');
  assert.equal(chooseMechanism(['PLAIN'], tok), null, 'no password, no PLAIN');
  assert.equal(chooseMechanism(['GSSAPI'], pw), null);
  assert.equal(chooseMechanism([], pw), null);
  assert.equal(chooseMechanism(['CRAM-MD5', 'LOGIN', 'PLAIN'], { ...pw, mechanisms: ['LOGIN', 'PLAIN'] }), 'LOGIN');
});

test('createMechanism calls the token supplier once for XOAUTH2', async () => {
  let calls = 0;
  const m = await createMechanism('XOAUTH2', { user: 'u', token: async () => `t${++calls}` });
  assert.equal(calls, 1);
  assert.equal(unb64(m.initial!), 'user=u\x01auth=Bearer t1\x01\x01');
  assert.equal((await createMechanism('PLAIN', { user: 'u', password: 'p' })).name, 'PLAIN');
});
