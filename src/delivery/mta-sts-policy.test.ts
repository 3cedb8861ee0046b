import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { certMatchesPolicy, mxMatchesPolicy, parsePolicy, parseStsRecord, pickStsRecord } from './mta-sts-policy.js';

describe('parseStsRecord', () => {
  it('reads the id of a valid record', () => {
    assert.deepEqual(parseStsRecord('v=STSv1; id=20160831085700Z;'), { id: '20160831085700Z' });
    assert.deepEqual(parseStsRecord('v=STSv1;id=abc'), { id: 'abc' });
    assert.deepEqual(parseStsRecord('v=STSv1; ext=1; id=x1 ;'), { id: 'x1' });
  });

  it('refuses records without v first, without an id, or with a bad id', () => {
    assert.equal(parseStsRecord('id=abc; v=STSv1;'), null);
    assert.equal(parseStsRecord('v=STSv2; id=abc;'), null);
    assert.equal(parseStsRecord('v=STSv1;'), null);
    assert.equal(parseStsRecord('v=STSv1; id=;'), null);
    assert.equal(parseStsRecord('v=STSv1; id=has-dash;'), null);
    assert.equal(parseStsRecord(`v=STSv1; id=${'a'.repeat(33)};`), null);
    assert.equal(parseStsRecord('v=STSv1; id=abc; junk'), null);
  });

  it('picks the one STSv1 record among the TXT answers', () => {
    assert.deepEqual(pickStsRecord(['v=spf1 -all', 'v=STSv1; id=one;']), { id: 'one' });
    assert.equal(pickStsRecord(['v=STSv1; id=one;', 'v=STSv1; id=two;']), null);
    assert.equal(pickStsRecord(['v=spf1 -all']), null);
    assert.equal(pickStsRecord([]), null);
  });
});

describe('parsePolicy', () => {
  it('parses a policy with LF or CRLF lines and several mx', () => {
    const text = 'version: STSv1\r\nmode: enforce\r\nmx: mail.Example.com.\r\nmx: *.example.net\r\nmax_age: 86400\r\n';
    assert.deepEqual(parsePolicy(text), { mode: 'enforce', mx: ['mail.example.com', '*.example.net'], maxAge: 86400 });
    assert.deepEqual(parsePolicy(text.replaceAll('\r\n', '\n')), parsePolicy(text));
  });

  it('ignores unknown keys and takes the first of a repeated field', () => {
    const policy = parsePolicy('version: STSv1\nmode: testing\nmode: enforce\nfuture: x\nmx: a.example\nmax_age: 0');
    assert.deepEqual(policy, { mode: 'testing', mx: ['a.example'], maxAge: 0 });
  });

  it('needs no mx for mode none', () => {
    assert.deepEqual(parsePolicy('version: STSv1\nmode: none\nmax_age: 100\n'), { mode: 'none', mx: [], maxAge: 100 });
  });

  it('refuses bad versions, modes, max_age, mx and lines', () => {
    const bad = [
      'version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1',
      'version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1',
      'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601',
      'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1',
      'version: STSv1\nmode: enforce\nmx: a.example',
      'version: STSv1\nmode: enforce\nmax_age: 1',
      'version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1',
      'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n<html>',
      '',
    ];
    for (const text of bad) assert.ok(parsePolicy(text) instanceof Error, text);
  });
});

describe('mxMatchesPolicy', () => {
  const patterns = ['mail.example.com', '*.example.net'];

  it('matches exact names and one-label wildcards, any case, trailing dots ignored', () => {
    assert.equal(mxMatchesPolicy('MAIL.example.com.', patterns), true);
    assert.equal(mxMatchesPolicy('mx1.example.net', patterns), true);
    assert.equal(mxMatchesPolicy('mx1.example.net.', ['*.EXAMPLE.net.']), true);
  });

  it('does not match the bare wildcard domain, deeper names or others', () => {
    assert.equal(mxMatchesPolicy('example.net', patterns), false);
    assert.equal(mxMatchesPolicy('a.b.example.net', patterns), false);
    assert.equal(mxMatchesPolicy('mail.example.org', patterns), false);
    assert.equal(mxMatchesPolicy('', patterns), false);
  });
});

describe('certMatchesPolicy', () => {
  it('accepts certificate names that cover a host the policy allows', () => {
    assert.equal(certMatchesPolicy(['mx1.example.net'], ['*.example.net']), true);
    assert.equal(certMatchesPolicy(['*.example.net'], ['mx1.example.net']), true);
    assert.equal(certMatchesPolicy(['*.example.net'], ['*.example.net']), true);
    assert.equal(certMatchesPolicy(['other.test', 'MAIL.example.com'], ['mail.example.com']), true);
  });

  it('refuses names outside the policy', () => {
    assert.equal(certMatchesPolicy(['a.b.example.net'], ['*.example.net']), false);
    assert.equal(certMatchesPolicy(['*.b.example.net'], ['*.example.net']), false);
    assert.equal(certMatchesPolicy(['example.net'], ['*.example.net']), false);
    assert.equal(certMatchesPolicy([], ['*.example.net']), false);
  });

  it('with the MX host, needs a certificate for that host and the host in the policy', () => {
    assert.equal(certMatchesPolicy(['*.example.net'], ['*.example.net'], 'mx1.example.net'), true);
    assert.equal(certMatchesPolicy(['mx2.example.net'], ['*.example.net'], 'mx1.example.net'), false);
    assert.equal(certMatchesPolicy(['mx1.example.org'], ['*.example.net'], 'mx1.example.org'), false);
  });
});
