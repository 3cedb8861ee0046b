// The auto-pause rules over an identity's rolling figures: hard-bounce rate and complaint rate with
// their minimum volumes, as configured (sending.reputation). Pure: figures in, a verdict out.
import type { RollingFigures } from '../identities/figures.js';

export interface Thresholds {
  hardBounceRate: number;
  hardBounceMinSends: number;
  complaintWarnRate: number;
  complaintPauseRate: number;
  complaintMinSends: number;
}

export type Verdict = { kind: 'ok' } | { kind: 'warn'; reason: string } | { kind: 'pause'; reason: string };

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;

/** Pause, warn or ok for 24-hour figures. */
export function judge(f: RollingFigures, t: Thresholds): Verdict {
  if (f.sent >= Math.max(1, t.hardBounceMinSends) && f.bounceRate !== null && f.bounceRate > t.hardBounceRate) {
    return { kind: 'pause', reason: `hard-bounce rate ${pct(f.bounceRate)} over ${f.sent} sends in 24 h (limit ${pct(t.hardBounceRate)})` };
  }
  if (f.complaints > 0 && f.sent >= t.complaintMinSends) {
    const rate = f.complaints / Math.max(1, f.sent);
    if (rate > t.complaintPauseRate) return { kind: 'pause', reason: `complaint rate ${pct(rate)} (${f.complaints} of ${f.sent} sends in 24 h; limit ${pct(t.complaintPauseRate)})` };
    if (rate > t.complaintWarnRate) return { kind: 'warn', reason: `complaint rate ${pct(rate)} in 24 h (warning above ${pct(t.complaintWarnRate)})` };
  }
  return { kind: 'ok' };
}
