import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCommand, encodePath, parseCommand, type Command, type ParseResult } from './command.js';

/** The command of a line that must parse. */
function ok(line: string, opts: { smtputf8?: boolean } = {}): Command {
  const r = parseCommand(line, opts);
  assert.ok(r.ok, `${line}: ${r.ok ? '' : `${r.reply.code} ${r.reply.lines.join(' ')}`}`);
  return r.command;
}

/** The code and enhanced code of a line that must be refused. */
function refused(line: string, opts: { smtputf8?: boolean } = {}): string {
  const r: ParseResult = parseCommand(line, opts);
  assert.ok(!r.ok, `${line} should be refused`);
  return `${r.reply.code} ${r.reply.enhanced}`;
}

function mailbox(c: Command): { address: string; utf8: boolean } {
  assert.ok(c.verb === 'MAIL' || c.verb === 'RCPT');
  assert.equal(c.path.kind, 'mailbox');
  return c.path.kind === 'mailbox' ? c.path : { address: '', utf8: false };
}

test('EHLO and HELO take a domain or an address literal', () => {
  assert.deepEqual(ok('EHLO client.example.test'), { verb: 'EHLO', domain: 'client.example.test' });
  assert.deepEqual(ok('HELO client.example.test'), { verb: 'HELO', domain: 'client.example.test' });
  assert.deepEqual(ok('EHLO [192.0.2.1]'), { verb: 'EHLO', domain: '[192.0.2.1]' });
  assert.deepEqual(ok('EHLO  spaced.test  trailing words'), { verb: 'EHLO', domain: 'spaced.test' });
  assert.equal(refused('EHLO'), '501 5.5.4');
  assert.equal(refused('HELO'), '501 5.5.4');
  assert.equal(refused('EHLO   '), '501 5.5.4');
});

test('verbs are case-insensitive', () => {
  assert.deepEqual(ok('ehlo a.test'), { verb: 'EHLO', domain: 'a.test' });
  assert.equal(ok('mail from:<a@b.test>').verb, 'MAIL');
  assert.equal(ok('Rcpt To:<a@b.test>').verb, 'RCPT');
  assert.deepEqual(ok('dAtA'), { verb: 'DATA' });
  assert.deepEqual(ok('bdat 10 last'), { verb: 'BDAT', size: 10, last: true });
  assert.deepEqual(ok('auth plain'), { verb: 'AUTH', mechanism: 'PLAIN' });
  assert.deepEqual(ok('starttls'), { verb: 'STARTTLS' });
  assert.deepEqual(ok('quit'), { verb: 'QUIT' });
});

test('MAIL parses the path and every parameter, keywords upper-cased and values kept', () => {
  const c = ok('MAIL FROM:<alice@example.test> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159 AUTH=<>');
  assert.equal(c.verb, 'MAIL');
  assert.equal(mailbox(c).address, 'alice@example.test');
  assert.deepEqual(c.verb === 'MAIL' && c.params, [
    ['SIZE', '1000'],
    ['BODY', '8BITMIME'],
    ['SMTPUTF8', true],
    ['RET', 'HDRS'],
    ['ENVID', 'QQ314159'],
    ['AUTH', '<>'],
  ]);
  const lower = ok('mail from:<a@b.test> size=10 body=binarymime auth=alice+40example.test');
  assert.deepEqual(lower.verb === 'MAIL' && lower.params, [
    ['SIZE', '10'],
    ['BODY', 'binarymime'],
    ['AUTH', 'alice+40example.test'],
  ]);
});

test('MAIL FROM:<> is the null path', () => {
  const c = ok('MAIL FROM:<>');
  assert.deepEqual(c, { verb: 'MAIL', path: { kind: 'null' }, params: [] });
  assert.deepEqual(ok('MAIL FROM:<> BODY=8BITMIME'), { verb: 'MAIL', path: { kind: 'null' }, params: [['BODY', '8BITMIME']] });
});

test('RCPT parses NOTIFY and ORCPT', () => {
  const c = ok('RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test');
  assert.equal(mailbox(c).address, 'bob@example.test');
  assert.deepEqual(c.verb === 'RCPT' && c.params, [
    ['NOTIFY', 'SUCCESS,FAILURE'],
    ['ORCPT', 'rfc822;bob@example.test'],
  ]);
});

test('RCPT TO:<Postmaster> needs no domain; MAIL FROM:<Postmaster> is refused', () => {
  assert.deepEqual(ok('RCPT TO:<Postmaster>'), { verb: 'RCPT', path: { kind: 'postmaster' }, params: [] });
  assert.deepEqual(ok('RCPT TO:<postmaster>'), { verb: 'RCPT', path: { kind: 'postmaster' }, params: [] });
  assert.equal(mailbox(ok('RCPT TO:<postmaster@example.test>')).address, 'postmaster@example.test');
  assert.equal(refused('MAIL FROM:<Postmaster>'), '501 5.1.7');
});

test('angle brackets are required and one space after the colon is tolerated', () => {
  assert.equal(mailbox(ok('MAIL FROM: <a@b.test>')).address, 'a@b.test');
  assert.equal(mailbox(ok('RCPT TO: <a@b.test>')).address, 'a@b.test');
  assert.equal(refused('MAIL FROM:  <a@b.test>'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:a@b.test'), '501 5.5.4');
  assert.equal(refused('RCPT TO: user@testserver'), '501 5.5.4');
  assert.equal(refused('RCPT TO:user@testserver'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:'), '501 5.5.4');
  assert.equal(refused('RCPT TO:'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test'), '501 5.1.7');
});

test('MAIL and RCPT need their keyword', () => {
  assert.equal(refused('MAIL'), '501 5.5.4');
  assert.equal(refused('MAIL LALA: <>'), '501 5.5.4');
  assert.equal(refused('MAIL TO:<a@b.test>'), '501 5.5.4');
  assert.equal(refused('RCPT FROM:<a@b.test>'), '501 5.5.4');
  assert.equal(refused('RCPT LALA: <>'), '501 5.5.4');
  assert.equal(refused('RCPT'), '501 5.5.4');
});

test('bad addresses get the MAIL or RCPT flavour of 501 and 553', () => {
  assert.equal(refused('MAIL FROM:<pepe>'), '501 5.1.7');
  assert.equal(refused('RCPT TO:<pepe>'), '501 5.1.3');
  assert.equal(refused(`MAIL FROM:<${'a'.repeat(65)}@b.test>`), '501 5.1.7');
  assert.equal(refused(`RCPT TO:<${'a'.repeat(65)}@b.test>`), '501 5.1.3');
  assert.equal(refused('MAIL FROM:<a@bücher.test>'), '553 5.6.7');
  assert.equal(refused('RCPT TO:<a@bücher.test>'), '553 5.6.7');
  assert.equal(refused('MAIL FROM:<a@xn--zz.test>'), '501 5.1.8');
  assert.equal(refused('RCPT TO:<a@xn--zz.test>'), '501 5.1.2');
});

test('SMTPUTF8 on MAIL allows a UTF-8 sender; RCPT relies on the caller', () => {
  const mail = ok('MAIL FROM:<ålice@bücher.test> SMTPUTF8');
  assert.equal(mailbox(mail).address, 'ålice@xn--bcher-kva.test');
  assert.equal(mailbox(mail).utf8, true);
  assert.equal(mailbox(ok('RCPT TO:<bøb@example.test>', { smtputf8: true })).utf8, true);
  assert.equal(refused('RCPT TO:<bøb@example.test>', { smtputf8: false }), '553 5.6.7');
  assert.equal(refused('RCPT TO:<bøb@example.test> SMTPUTF8'), '553 5.6.7'); // only MAIL carries it
});

test('SMTPUTF8 is seen after a parameter whose value contains ">"', () => {
  assert.equal(mailbox(ok('MAIL FROM:<ålice@example.test> SMTPUTF8 AUTH=<>')).utf8, true);
  assert.equal(mailbox(ok('MAIL FROM:<ålice@example.test> SMTPUTF8 ENVID=<id@x>')).utf8, true);
});

test('SMTPUTF8 is seen before a parameter whose value contains ">"', () => {
  assert.equal(mailbox(ok('MAIL FROM:<ålice@example.test> AUTH=<> SMTPUTF8')).utf8, true);
});

test('parameters must be keyword or keyword=value', () => {
  assert.equal(refused('MAIL FROM:<a@b.test>SIZE=10'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test> SIZE='), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test> =10'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test> -X'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test> A=b=c'), '501 5.5.4');
  assert.equal(refused('MAIL FROM:<a@b.test> X=\x01'), '501 5.5.4');
  assert.equal(refused('RCPT TO:<a@b.test> NOTIFY=a\x7f'), '501 5.5.4');
  const spaced = ok('MAIL FROM:<a@b.test>   SIZE=10   BODY=7BIT  ');
  assert.deepEqual(spaced.verb === 'MAIL' && spaced.params, [
    ['SIZE', '10'],
    ['BODY', '7BIT'],
  ]);
  const odd = ok('MAIL FROM:<a@b.test> X-PRIVATE=x!y~z');
  assert.deepEqual(odd.verb === 'MAIL' && odd.params, [['X-PRIVATE', 'x!y~z']]);
});

test('BDAT takes a size and an optional LAST', () => {
  assert.deepEqual(ok('BDAT 0'), { verb: 'BDAT', size: 0, last: false });
  assert.deepEqual(ok('BDAT 1024 LAST'), { verb: 'BDAT', size: 1024, last: true });
  assert.deepEqual(ok('BDAT 7 last '), { verb: 'BDAT', size: 7, last: true });
  assert.deepEqual(ok('BDAT 999999999999999'), { verb: 'BDAT', size: 999999999999999, last: false });
  for (const line of ['BDAT', 'BDAT -1', 'BDAT x', 'BDAT 1 FIRST', 'BDAT 1 LAST x', 'BDAT 1.5', 'BDAT 1234567890123456', 'BDAT  1']) {
    assert.equal(refused(line), '501 5.5.4', line);
  }
});

test('AUTH with and without an initial response', () => {
  assert.deepEqual(ok('AUTH PLAIN'), { verb: 'AUTH', mechanism: 'PLAIN' });
  assert.deepEqual(ok('AUTH PLAIN AGFsaWNlAHNlY3JldA=='), { verb: 'AUTH', mechanism: 'PLAIN', initial: 'AGFsaWNlAHNlY3JldA==' });
  assert.deepEqual(ok('AUTH PLAIN ='), { verb: 'AUTH', mechanism: 'PLAIN', initial: '=' });
  assert.deepEqual(ok('auth cram-md5'), { verb: 'AUTH', mechanism: 'CRAM-MD5' });
  assert.deepEqual(ok('AUTH XOAUTH2 dXNlcj1h'), { verb: 'AUTH', mechanism: 'XOAUTH2', initial: 'dXNlcj1h' });
  assert.deepEqual(ok('AUTH SOMETHINGELSE'), { verb: 'AUTH', mechanism: 'SOMETHINGELSE' });
  for (const line of ['AUTH', 'AUTH PLAIN a b', 'AUTH PL@IN', `AUTH ${'X'.repeat(21)}`]) assert.equal(refused(line), '501 5.5.4', line);
});

test('VRFY needs an argument; HELP may have one', () => {
  assert.deepEqual(ok('VRFY alice'), { verb: 'VRFY', argument: 'alice' });
  assert.deepEqual(ok('VRFY  <alice@example.test> '), { verb: 'VRFY', argument: '<alice@example.test>' });
  assert.equal(refused('VRFY'), '501 5.5.4');
  assert.equal(refused('VRFY   '), '501 5.5.4');
  assert.deepEqual(ok('HELP'), { verb: 'HELP' });
  assert.deepEqual(ok('HELP MAIL'), { verb: 'HELP', argument: 'MAIL' });
  assert.deepEqual(ok('HELP '), { verb: 'HELP' });
});

test('commands without arguments refuse one, except NOOP', () => {
  for (const verb of ['DATA', 'RSET', 'QUIT', 'STARTTLS']) {
    assert.deepEqual(ok(verb), { verb });
    assert.deepEqual(ok(`${verb} `), { verb });
    assert.equal(refused(`${verb} now`), '501 5.5.4', verb);
  }
  assert.deepEqual(ok('NOOP'), { verb: 'NOOP' });
  assert.deepEqual(ok('NOOP anything at all'), { verb: 'NOOP' });
});

test('unknown commands get 500 5.5.1', () => {
  for (const line of ['WHATISTHIS', '', ' ', 'MAILFROM:<a@b.test>', 'EHLOx a', 'TURN', 'ETRN example.test', 'XCLIENT ADDR=1.2.3.4', '\u00e9']) {
    assert.equal(refused(line), '500 5.5.1', JSON.stringify(line));
  }
});

test('parseCommand never throws on garbage', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = ['MAIL FROM:', 'RCPT TO:', 'BDAT ', 'AUTH ', '<', '>', '@', '"', '\\', ' ', '=', '.', 'a', 'Z', '9', '[', ']', ':', ',', '%', '!', 'é', '\x00', '\r'];
  for (let i = 0; i < 3000; i++) {
    let line = '';
    const n = Math.floor(rnd() * 12);
    for (let j = 0; j < n; j++) line += alphabet[Math.floor(rnd() * alphabet.length)];
    const r = parseCommand(line, { smtputf8: rnd() < 0.5 });
    if (!r.ok) assert.ok([500, 501, 553].includes(r.reply.code), `${JSON.stringify(line)} -> ${r.reply.code}`);
  }
});

test('encodeCommand then parseCommand gives the command back', () => {
  const lines = [
    'EHLO client.example.test',
    'HELO [192.0.2.1]',
    'MAIL FROM:<>',
    'MAIL FROM:<alice@example.test>',
    'MAIL FROM:<alice@example.test> SIZE=1000 BODY=8BITMIME',
    'MAIL FROM:<> RET=FULL ENVID=abc+2Bdef AUTH=<>',
    'MAIL FROM:<ålice@example.test> SMTPUTF8',
    'MAIL FROM:<"john doe"@example.test>',
    'RCPT TO:<bob@example.test>',
    'RCPT TO:<Postmaster>',
    'RCPT TO:<bob@example.test> NOTIFY=NEVER',
    'RCPT TO:<bob@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+40x@example.test',
    'RCPT TO:<u@[192.0.2.1]>',
    'RCPT TO:<u@[IPv6:2001:db8::1]>',
    'RCPT TO:<b!u@example.test>',
    'BDAT 0 LAST',
    'BDAT 4096',
    'AUTH PLAIN',
    'AUTH PLAIN AGFsaWNlAHNlY3JldA==',
    'AUTH LOGIN',
    'VRFY alice',
    'HELP',
    'HELP DATA',
    'DATA',
    'RSET',
    'NOOP',
    'QUIT',
    'STARTTLS',
  ];
  for (const line of lines) {
    const command = ok(line);
    const wire = encodeCommand(command);
    assert.equal(wire, `${line}\r\n`);
    const again = parseCommand(wire.slice(0, -2));
    assert.deepEqual(again, { ok: true, command }, line);
  }
});

test('encodePath writes the three path kinds', () => {
  assert.equal(encodePath({ kind: 'null' }), '<>');
  assert.equal(encodePath({ kind: 'postmaster' }), '<Postmaster>');
  const c = ok('RCPT TO:<@relay.test:bob@example.test>');
  assert.ok(c.verb === 'RCPT');
  assert.equal(encodePath(c.path), '<bob@example.test>'); // a source route is never sent on
});
