// Name checks and reverse names, plus the small pieces around them: resolv.conf parsing, the TTL
// cache and TCP framing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlCache } from './cache.js';
import { FrameReader, frame } from './framing.js';
import { normalizeName, reverseName } from './names.js';
import { parseResolvConf, systemServers } from './system.js';
import { DnsError } from './types.js';

const isFormErr = (err: unknown) => err instanceof DnsError && err.code === 'FORMERR';

test('normalizeName: lower case, trailing dot dropped; bad names are FORMERR', () => {
  assert.equal(normalizeName('Mail.Example.COM.', 'A'), 'mail.example.com');
  assert.equal(normalizeName('_dmarc.example.com', 'TXT'), '_dmarc.example.com');
  for (const bad of ['', '.', 'a..b', '.a', `${'x'.repeat(64)}.com`, `${'a.'.repeat(127)}com`, 'a\u00e9.com']) {
    assert.throws(() => normalizeName(bad, 'A'), isFormErr, JSON.stringify(bad));
  }
  assert.equal(normalizeName(`${'a'.repeat(63)}.com`, 'A').length, 67);
  assert.equal(normalizeName('Macro Space.example', 'TXT'), 'macro space.example', 'a space is a valid label octet (SPF macros)');
});

test('reverseName: IPv4, IPv6 in every spelling, zone index ignored, non-IPs rejected', () => {
  assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  const v6 = 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa';
  assert.equal(reverseName('4321:0:1:2:3:4:567:89ab'), v6);
  assert.equal(reverseName('4321:0000:0001:0002:0003:0004:0567:89AB'), v6);
  assert.equal(reverseName('::1'), `1${'.0'.repeat(31)}.ip6.arpa`);
  assert.equal(reverseName('::'), `0${'.0'.repeat(31)}.ip6.arpa`);
  assert.equal(reverseName('2001:db8::'), `${'0.'.repeat(24)}8.b.d.0.1.0.0.2.ip6.arpa`);
  assert.equal(reverseName('::ffff:192.0.2.1'), reverseName('::ffff:c000:201'));
  assert.equal(reverseName('fe80::1%eth0'), reverseName('fe80::1'));
  for (const bad of ['example.com', '1.2.3', '', '1::2::3']) assert.throws(() => reverseName(bad), isFormErr, bad);
});

test('parseResolvConf: nameserver lines only, comments skipped; fallback to 127.0.0.1', () => {
  const text = '# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1 # local\n; nameserver 10.0.0.1\nnameserver bogus\noptions ndots:2\n';
  assert.deepEqual(parseResolvConf(text), [
    { host: '192.0.2.53', port: 53 },
    { host: '::1', port: 53 },
  ]);
  assert.deepEqual(systemServers('/nonexistent/resolv.conf'), [{ host: '127.0.0.1', port: 53 }]);
});

test('TtlCache: expiry by the injected clock and LRU eviction', () => {
  let now = 0;
  const cache = new TtlCache<string>(2, () => now);
  cache.set('a', 'A', 10);
  cache.set('b', 'B', 10);
  assert.equal(cache.get('a'), 'A');
  cache.set('c', 'C', 10); // b is the least recently used
  assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], ['A', undefined, 'C']);
  now = 9_999;
  assert.equal(cache.get('a'), 'A');
  now = 10_000;
  assert.equal(cache.get('a'), undefined);
  cache.set('z', 'Z', 0);
  assert.equal(cache.get('z'), undefined);
  assert.equal(cache.size, 1);
});

test('FrameReader: frames split across reads and packed into one', () => {
  const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(300, 7)];
  const wire = Buffer.concat(messages.map(frame));
  for (let cut = 0; cut <= wire.length; cut += 1) {
    const reader = new FrameReader();
    const got: Buffer[] = [];
    for (const piece of [wire.subarray(0, cut), wire.subarray(cut)]) {
      reader.push(piece);
      for (let m = reader.next(); m !== null; m = reader.next()) got.push(Buffer.from(m));
    }
    assert.deepEqual(got, messages, `cut at ${cut}`);
  }
});
