import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { defaultAllowFrom, normalizeDomain, normalizePattern, normalizeUserName, patternMatches, splitAddress } from './names.js';

describe('normalizeDomain', () => {
  it('lower-cases, converts IDN to A-labels and drops a root dot', () => {
    assert.equal(normalizeDomain('Example.COM.'), 'example.com');
    assert.equal(normalizeDomain('Bücher.de'), 'xn--bcher-kva.de');
    assert.equal(normalizeDomain('localhost'), 'localhost');
  });

  it('rejects what is not a host name', () => {
    for (const bad of ['', '.', 'a b.com', '-a.com', 'a-.com', 'a..com', '1.2.3.4', `${'a'.repeat(64)}.com`, 'x@y.com']) {
      assert.equal(normalizeDomain(bad), null, bad);
    }
  });
});

describe('user names and patterns', () => {
  it('canonicalises addresses and plain names', () => {
    assert.equal(normalizeUserName('Alice@Example.COM'), 'alice@example.com');
    assert.equal(normalizeUserName('Bob'), 'bob');
    assert.equal(normalizeUserName('has space'), null);
    assert.equal(normalizeUserName('a@b@'), null);
    assert.equal(normalizeUserName('"quoted"@example.com'), null);
  });

  it('accepts *@domain and exact patterns', () => {
    assert.equal(normalizePattern('*@Example.com'), '*@example.com');
    assert.equal(normalizePattern('Info@Example.com'), 'info@example.com');
    assert.equal(normalizePattern('*@'), null);
    // Only a whole-local-part "*" is a wildcard; a partial one would mislead, so it is refused.
    assert.equal(normalizePattern('info*@example.com'), null);
  });

  it('matches domain-wide and exact patterns', () => {
    const address = splitAddress('Info@EXAMPLE.com')!;
    assert.ok(patternMatches('*@example.com', address));
    assert.ok(patternMatches('info@example.com', address));
    assert.ok(!patternMatches('*@example.org', address));
    assert.ok(!patternMatches('sales@example.com', address));
  });

  it('defaults allow-from to the user name domain', () => {
    assert.deepEqual(defaultAllowFrom('alice@example.com'), ['*@example.com']);
    assert.deepEqual(defaultAllowFrom('bob'), []);
  });
});
