import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bulkSenderChecklist } from './checklist.js';
import { checkDomain } from './domain-check.js';
import { finding, hasFailure, renderJson, renderReport, worst, type DomainReport } from './report.js';
import { DOMAIN, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
before(async () => (dns = await startHealthDns()));
after(() => dns.close());

describe('report', () => {
  const report: DomainReport = {
    domain: DOMAIN,
    findings: [
      { area: 'mx', ...finding('records', 'pass', '1 MX record') },
      { area: 'spf', ...finding('all', 'fail', '+all', 'use -all') },
    ],
  };

  test('worst status and failure', () => {
    assert.equal(worst([finding('a', 'pass', ''), finding('b', 'unknown', ''), finding('c', 'warn', '')]), 'unknown');
    assert.equal(hasFailure([report]), true);
    assert.equal(hasFailure([{ domain: DOMAIN, findings: [{ area: 'mx', ...finding('x', 'unknown', '') }] }]), false);
  });

  test('the table groups by area and the JSON carries the verdict', () => {
    const lines = renderReport(report).split('\n');
    assert.match(lines[0]!, /example\.test: 1 fail, 0 warn, 0 unknown/);
    assert.match(lines[2]!, /^spf +all +FAIL +\+all +use -all$/);
    assert.match(lines[3]!, /^mx /);
    assert.equal(JSON.parse(renderJson([report])).ok, false);
  });

  test('messages are kept to one line', () => {
    assert.equal(finding('x', 'warn', 'a\nb', 'c\r\nd').message, 'a b');
  });
});

describe('checklist and checkDomain', () => {
  test('the checklist summarises areas and flags TLS off', () => {
    const ctx = dns.context({}, { tlsMode: 'none' });
    const s = statuses(bulkSenderChecklist(ctx, { spf: [finding('record', 'pass', '')], dkim: [finding('keys', 'fail', '')], ptr: [finding('p', 'warn', '')] }));
    assert.deepEqual(s, { spf: 'pass', dkim: 'fail', dmarc: 'fail', 'ptr/fcrdns': 'warn', tls: 'fail', 'one-click unsubscribe': 'info' });
  });

  test('a domain with nothing published fails and reports every area', async () => {
    const r = await checkDomain(dns.context({}), { name: DOMAIN, receives: true, dkimKeys: [] });
    const areas = new Set(r.findings.map((f) => f.area));
    assert.deepEqual([...areas].sort(), ['blocklists', 'checklist', 'dkim', 'dmarc', 'mta-sts', 'mx', 'ptr', 'spf']);
    assert.equal(hasFailure([r]), true);
  });
});
