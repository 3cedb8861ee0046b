import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkSenderChecklist } from './checklist.js';
import type { HealthContext } from './context.js';
import { finding } from './report.js';

const ctx = { tlsMode: 'opportunistic' } as HealthContext;
const dmarcRow = (areas: Parameters<typeof bulkSenderChecklist>[1]) => bulkSenderChecklist(ctx, areas).find((f) => f.check === 'dmarc')!;

test('a DMARC lookup that failed is unknown in the checklist, not a failure', () => {
  assert.equal(dmarcRow({ dmarc: [finding('record', 'unknown', 'DNS lookup failed')] }).status, 'unknown');
  assert.equal(dmarcRow({ dmarc: [] }).status, 'fail');
  assert.equal(dmarcRow({ dmarc: [finding('record', 'pass', 'p=none'), finding('adkim', 'pass', 'relaxed')] }).status, 'pass');
});
