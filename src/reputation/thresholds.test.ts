import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RollingFigures } from '../identities/figures.js';
import { judge } from './thresholds.js';

const T = { hardBounceRate: 0.03, hardBounceMinSends: 50, complaintWarnRate: 0.001, complaintPauseRate: 0.003, complaintMinSends: 0 };
const f = (sent: number, hard: number, complaints = 0): RollingFigures => ({
  sent, delivered: sent - hard, hardBounces: hard, softBounces: 0, blocks: 0, complaints, bounceRate: sent ? hard / sent : null, complaintRate: sent ? complaints / sent : null,
});

describe('judge', () => {
  it('pauses above 3 % hard bounces only from 50 sends on', () => {
    assert.deepEqual(judge(f(49, 10), T), { kind: 'ok' });
    assert.deepEqual(judge(f(100, 3), T), { kind: 'ok' });
    assert.deepEqual(judge(f(100, 4), T), { kind: 'pause', reason: 'hard-bounce rate 4.0 % over 100 sends in 24 h (limit 3.0 %)' });
  });

  it('warns above 0.1 % complaints and pauses above 0.3 %', () => {
    assert.deepEqual(judge(f(2000, 0, 1), T), { kind: 'ok' });
    assert.equal(judge(f(500, 0, 1), T).kind, 'warn');
    assert.deepEqual(judge(f(300, 0, 1), T), { kind: 'pause', reason: 'complaint rate 0.33 % (1 of 300 sends in 24 h; limit 0.30 %)' });
    assert.equal(judge(f(300, 0, 1), { ...T, complaintMinSends: 1000 }).kind, 'ok');
  });
});
