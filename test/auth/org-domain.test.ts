// Runs the public suffix list's own test cases (../shared/testdata/dmarc/psl-test_psl.txt) against the
// organizational-domain function mailauth uses for DMARC. Fails on any case not listed as a known exception.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { organizationalDomain } from '../../src/auth/org-domain.js';

const FILE = resolve(process.cwd(), '../shared/testdata/dmarc/psl-test_psl.txt');

/**
 * Cases (by input) where mailauth's answer differs from the list's, with the reason. Minor for DMARC: a
 * From domain with a leading dot is not a valid domain, so no aligned DKIM or SPF domain can match it.
 */
const KNOWN_EXCEPTIONS: Record<string, string> = {
  '.example.com': 'tldts drops a leading dot and answers example.com; the list wants null',
  '.example.example': 'tldts drops a leading dot and answers example.example; the list wants null',
};

type PslCase = { input: string | null; expected: string | null; line: number };

/** `checkPublicSuffix('a.b.example.com', 'example.com');` lines; comments and blank lines are skipped. */
function loadCases(): PslCase[] {
  const arg = String.raw`(null|'[^']*')`;
  const pattern = new RegExp(String.raw`^checkPublicSuffix\(${arg},\s*${arg}\);$`);
  const value = (token: string) => (token === 'null' ? null : token.slice(1, -1));
  return readFileSync(FILE, 'utf8').split('\n').flatMap((text, index) => {
    const line = text.trim();
    if (line === '' || line.startsWith('//')) return [];
    const match = pattern.exec(line);
    assert.ok(match, `line ${index + 1} not understood: ${line}`); // never drop a case silently
    return [{ input: value(match[1] ?? ''), expected: value(match[2] ?? ''), line: index + 1 }];
  });
}

test('public suffix list test cases give the expected organizational domain', () => {
  const cases = loadCases();
  const failed = cases.filter((c) => organizationalDomain(c.input) !== c.expected);
  console.log(`PSL test cases: ${cases.length - failed.length} pass, ${failed.length} fail`);
  const unlisted = failed
    .filter((c) => !(String(c.input) in KNOWN_EXCEPTIONS))
    .map((c) => `line ${c.line}: ${c.input} → ${organizationalDomain(c.input)}, expected ${c.expected}`);
  assert.deepEqual(unlisted, []);
  assert.deepEqual(Object.keys(KNOWN_EXCEPTIONS).filter((input) => !failed.some((c) => String(c.input) === input)), [], 'stale exceptions');
  assert.equal(cases.length, 78, 'the file holds 78 active cases');
});

test('organizational domains mailauth relies on for alignment', () => {
  assert.equal(organizationalDomain('mail.example.co.uk'), 'example.co.uk');
  assert.equal(organizationalDomain('co.uk'), null);
  assert.equal(organizationalDomain('a.b.example.com'), 'example.com');
});
