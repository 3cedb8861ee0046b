// The placement summary: each result counted once, the one-line summary, the table rows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultRows, summarize, summaryLine } from './report.js';
import type { SeedResult } from './store.js';

const seed = (name: string, result: SeedResult['result'], over: Partial<SeedResult> = {}): SeedResult => ({
  seed: name, address: `${name}@seeds.test`, messageId: null, result, folder: null, spf: null, dkim: null, dmarc: null,
  authResults: null, arrivedAt: null, ...over,
});

describe('placement report', () => {
  it('counts inbox, spam, missing and pending', () => {
    const s = summarize([seed('a', 'inbox'), seed('b', 'spam'), seed('c', 'missing'), seed('d', 'inbox'), seed('e', 'pending')]);
    assert.deepEqual(s, { total: 5, inbox: 2, spam: 1, missing: 1, pending: 1 });
    assert.equal(summaryLine(s), '2 of 5 in the inbox, 1 in spam, 1 missing, 1 pending');
  });

  it('says nothing of pending when none wait', () => {
    assert.equal(summaryLine(summarize([seed('a', 'missing')])), '0 of 1 in the inbox, 0 in spam, 1 missing');
    assert.equal(summaryLine(summarize([])), '0 of 0 in the inbox, 0 in spam, 0 missing');
  });

  it('shows a dash for what a seed never reported', () => {
    const rows = resultRows([seed('a', 'spam', { folder: 'Junk', spf: 'pass', dkim: 'fail', dmarc: null })]);
    assert.deepEqual(rows, [['a', 'a@seeds.test', 'spam', 'Junk', 'pass', 'fail', '-']]);
  });
});
