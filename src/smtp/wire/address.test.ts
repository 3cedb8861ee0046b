import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDomain, parsePath, type Path, type PathError, type PathFlags } from './address.js';

const NO_FLAGS: PathFlags = {
  sourceRoute: false,
  percentHack: false,
  bangPath: false,
  quotedAt: false,
  trailingDot: false,
  addressLiteral: false,
};

/** Parse a whole string as a path. */
const parse = (s: string, smtputf8 = false) => parsePath(s, 0, { smtputf8 });

function path(s: string, smtputf8 = false): Path {
  const r = parse(s, smtputf8);
  assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
  return r.path;
}

function mailbox(s: string, smtputf8 = false): Extract<Path, { kind: 'mailbox' }> {
  const p = path(s, smtputf8);
  assert.equal(p.kind, 'mailbox', s);
  return p as Extract<Path, { kind: 'mailbox' }>;
}

function error(s: string, smtputf8 = false): PathError {
  const r = parse(s, smtputf8);
  assert.ok(!r.ok, `${s} should be refused`);
  return r.error;
}

test('<> is the null path', () => {
  assert.deepEqual(parse('<>'), { ok: true, path: { kind: 'null' }, end: 2 });
});

test('<Postmaster> without a domain, in any case', () => {
  for (const s of ['<Postmaster>', '<postmaster>', '<POSTMASTER>']) assert.deepEqual(path(s), { kind: 'postmaster' });
  assert.equal(mailbox('<postmaster@example.test>').address, 'postmaster@example.test');
});

test('a dot-atom mailbox', () => {
  assert.deepEqual(mailbox('<alice.b+tag@Example.TEST>'), {
    kind: 'mailbox',
    local: 'alice.b+tag',
    domain: 'example.test',
    address: 'alice.b+tag@example.test',
    utf8: false,
    flags: NO_FLAGS,
  });
  assert.equal(mailbox("<!#$&'*+-/=?^_`{|}~@example.test>").local, "!#$&'*+-/=?^_`{|}~");
  assert.equal(mailbox('<a@b>').domain, 'b');
});

test('the end index points past the ">" and the start may be inside a line', () => {
  const line = 'MAIL FROM:<a@b.test> SIZE=10';
  const r = parsePath(line, 10, { smtputf8: false });
  assert.ok(r.ok);
  assert.equal(line.slice(r.end), ' SIZE=10');
});

test('quoted local parts', () => {
  const p = mailbox('<"john doe"@example.test>');
  assert.equal(p.local, '"john doe"');
  assert.equal(p.address, '"john doe"@example.test');
  assert.deepEqual(p.flags, NO_FLAGS);
  assert.equal(mailbox('<"a\\"b"@example.test>').local, '"a\\"b"');
  assert.equal(mailbox('<"a>b"@example.test>').local, '"a>b"');
  assert.equal(mailbox('<""@example.test>').local, '""');
  assert.equal(error('<"a"b"@example.test>'), 'syntax');
  assert.equal(error('<"unterminated@example.test>'), 'syntax');
  assert.equal(error('<a"b"@example.test>'), 'syntax');
});

test('UTF-8 needs SMTPUTF8', () => {
  assert.equal(error('<ålice@example.test>'), 'utf8-not-allowed');
  assert.equal(error('<alice@bücher.test>'), 'utf8-not-allowed');
  assert.equal(error('<"ü"@example.test>'), 'utf8-not-allowed');
  const p = mailbox('<ålice@example.test>', true);
  assert.equal(p.local, 'ålice');
  assert.equal(p.utf8, true);
  assert.equal(mailbox('<alice@example.test>', true).utf8, false);
  assert.equal(mailbox('<"ü x"@example.test>', true).local, '"ü x"');
});

test('an IDN domain becomes its A-label form', () => {
  const p = mailbox('<alice@Bücher.example>', true);
  assert.equal(p.domain, 'xn--bcher-kva.example');
  assert.equal(p.address, 'alice@xn--bcher-kva.example');
  assert.equal(p.utf8, true);
  assert.equal(mailbox('<alice@xn--bcher-kva.example>').domain, 'xn--bcher-kva.example');
  assert.equal(parseDomain('BÜCHER.example'), 'xn--bcher-kva.example');
});

test('a domain that fails IDNA conversion is a bad domain', () => {
  assert.equal(error('<a@xn--zz.test>'), 'bad-domain');
  assert.equal(error('<a@xn--9999>'), 'bad-domain');
  assert.equal(parseDomain('xn--zz'), '');
});

test('<a@xn---> is a bad domain (501 5.1.8), as chasquid answers', () => {
  assert.equal(error('<a@xn--->'), 'bad-domain');
});

test('length limits: local part 64 octets, path 254 octets', () => {
  assert.equal(mailbox(`<${'a'.repeat(64)}@example.test>`).local.length, 64);
  assert.equal(error(`<${'a'.repeat(65)}@example.test>`), 'too-long');
  assert.equal(error(`<${'é'.repeat(33)}@example.test>`, true), 'too-long'); // 66 octets
  const domain = `${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(61)}`; // 189
  assert.equal(mailbox(`<${'a'.repeat(64)}@${domain}>`).address.length, 254);
  assert.equal(error(`<${'a'.repeat(64)}@${domain}d>`), 'too-long');
  assert.equal(error(`<${'a'.repeat(300)}@example.test>`), 'too-long');
  assert.equal(error(`<a@${'b'.repeat(64)}.test>`), 'syntax'); // label over 63
});

test('relay tricks are parsed and flagged', () => {
  const cases: Array<[string, keyof PathFlags, string]> = [
    ['<@a.test:u@b.test>', 'sourceRoute', 'u@b.test'],
    ['<@a.test,@c.test:u@b.test>', 'sourceRoute', 'u@b.test'],
    ['<u%b@a.test>', 'percentHack', 'u%b@a.test'],
    ['<b!u@a.test>', 'bangPath', 'b!u@a.test'],
    ['<"u@b"@a.test>', 'quotedAt', '"u@b"@a.test'],
    ['<"u%b"@a.test>', 'quotedAt', '"u%b"@a.test'],
    ['<"b!u"@a.test>', 'quotedAt', '"b!u"@a.test'],
    ['<u@a.test.>', 'trailingDot', 'u@a.test'],
    ['<u@[127.0.0.1]>', 'addressLiteral', 'u@[127.0.0.1]'],
    ['<u@[IPv6:::1]>', 'addressLiteral', 'u@[IPv6:::1]'],
    ['<u@[IPv6:2001:db8::1]>', 'addressLiteral', 'u@[IPv6:2001:db8::1]'],
  ];
  for (const [s, flag, address] of cases) {
    const p = mailbox(s);
    assert.deepEqual(p.flags, { ...NO_FLAGS, [flag]: true }, s);
    assert.equal(p.address, address, s);
  }
});

test('source routes must be well formed', () => {
  for (const s of ['<@a.test u@b.test>', '<@:u@b.test>', '<@a.test,c.test:u@b.test>', '<@-a.test:u@b.test>', '<@a.test:>']) {
    assert.equal(error(s), 'syntax', s);
  }
});

test('garbage is a syntax error, never an exception', () => {
  const garbage = [
    '',
    'x',
    '<',
    '>',
    'a@b.test',
    '<a@b.test',
    'a@b.test>',
    '<@>',
    '<a@>',
    '<@b.test>',
    '<a>',
    '<a b@c.test>',
    '<a@b c.test>',
    '<a..b@c.test>',
    '<.a@c.test>',
    '<a.@c.test>',
    '<a@-b.test>',
    '<a@b-.test>',
    '<a@b_c.test>',
    '<a@.>',
    '<a@b..test>',
    '<a@b.test..>',
    '<a@[1.2.3]>',
    '<a@[300.1.1.1x]>',
    '<a@[IPv6:]>',
    '<a@[]>',
    '<<a@b.test>>',
    '<a\x00@b.test>',
    '<a@b\x00.test>',
    '<a\t@b.test>',
    '<a\\@b.test>',
  ];
  for (const s of garbage) {
    const r = parse(s);
    assert.equal(r.ok, false, JSON.stringify(s));
    assert.equal(r.ok ? '' : r.error, 'syntax', JSON.stringify(s));
  }
});

test('random inputs never throw and ends stay in range', () => {
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = ['<', '>', '@', '"', '\\', '.', ':', ',', '[', ']', '%', '!', '-', 'a', 'B', '1', 'ü', ' ', 'xn--', 'IPv6:'];
  for (let i = 0; i < 5000; i++) {
    let s = '<';
    const n = Math.floor(rnd() * 16);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    const r = parse(s, rnd() < 0.5);
    if (r.ok) assert.ok(r.end >= 2 && r.end <= s.length && s[r.end - 1] === '>', JSON.stringify(s));
  }
});

test('parseDomain lower-cases and refuses non-domains', () => {
  assert.equal(parseDomain('Mail.Example.TEST'), 'mail.example.test');
  for (const d of ['', '.', 'a..b', '-a', 'a-', 'a_b', 'a b', 'a'.repeat(64), `${'a.'.repeat(128)}a`]) {
    assert.equal(parseDomain(d), null, JSON.stringify(d));
  }
});
