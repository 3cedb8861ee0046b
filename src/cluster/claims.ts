// Campaign (contact, step) claims in PostgreSQL: a node queues a step only after one transaction locked
// the shared contact row (SKIP LOCKED), found no claim, admitted the send against the identity's cap
// and recorded the claim with the queue id. Errors reject (the step waits); a claim left by a crash is
// settled at the node's restart, before its first new claim (reconcile()).
import type { ClaimRequest, ClaimResult, StepClaims } from '../campaigns/step-claims.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { returnCap } from './caps.js';
import { acquireLease } from './leases.js';
import type { SharedDb, Sql } from './pg.js';

const LEAD_TTL_SECONDS = 10;
const WAITING = new Set(['pending', 'active']);

/** Claim attempts by result since start (for /metrics and the bench). */
export class ClaimCounts {
  readonly byResult = new Map<string, number>();

  add(result: string): void {
    this.byResult.set(result, (this.byResult.get(result) ?? 0) + 1);
  }
}

export class PgStepClaims implements StepClaims {
  readonly counts = new ClaimCounts();
  private reconciled: Promise<void> | null = null;

  constructor(private readonly shared: SharedDb, private readonly node: string, private readonly db: Db, private readonly log: Logger) {}

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    await this.settle();
    const result = await claimIn(this.shared, req, this.node);
    this.counts.add(result.result);
    if (result.result !== 'claimed') this.log.debug({ event: 'campaign-claim', campaign: req.campaign, contact: req.email, step: req.step, result: result.result }, 'a campaign step was not claimed');
    return result;
  }

  async release(campaign: string, email: string, step: number): Promise<void> {
    await this.shared.tx(async (c) => {
      const { rows } = await c.query<{ identity: string | null; day: string | null }>(
        'DELETE FROM campaign_claims WHERE campaign = $1 AND email = $2 AND step = $3 AND node = $4 RETURNING identity, day', [campaign, email, step, this.node]);
      await giveBack(c, rows);
    });
    this.counts.add('released');
  }

  async leads(campaign: string): Promise<boolean> {
    return acquireLease(this.shared, `campaign:${campaign}`, this.node, LEAD_TTL_SECONDS);
  }

  /** Run reconcile() once; a failure is tried again by the next claim. */
  settle(): Promise<void> {
    const run = this.reconciled ?? this.reconcile().then(() => undefined, (err: unknown) => {
      this.reconciled = null;
      throw err;
    });
    this.reconciled = run;
    return run;
  }

  /**
   * This node's claims whose message is neither in the local queue nor recorded as sent: the node died
   * between the claim's commit and the queue's. Deleted, their cap units given back, in one transaction.
   */
  async reconcile(): Promise<number> {
    const message = this.db.prepare('SELECT 1 FROM messages WHERE id = ?').pluck();
    const sent = this.db.prepare('SELECT 1 FROM campaign_sends WHERE campaign = ? AND email = ? AND step = ?').pluck();
    const dropped = await this.shared.tx(async (c) => {
      const { rows } = await c.query<{ campaign: string; email: string; step: string; queue_id: string }>(
        'SELECT campaign, email, step, queue_id FROM campaign_claims WHERE node = $1 FOR UPDATE', [this.node]);
      const lost = rows.filter((r) => !message.get(r.queue_id) && !sent.get(r.campaign, r.email, Number(r.step)));
      for (const r of lost) {
        const { rows: gone } = await c.query<{ identity: string | null; day: string | null }>(
          'DELETE FROM campaign_claims WHERE campaign = $1 AND email = $2 AND step = $3 RETURNING identity, day', [r.campaign, r.email, r.step]);
        await giveBack(c, gone);
      }
      return lost.length;
    });
    if (dropped > 0) this.log.warn({ event: 'campaign-claims-reconciled', dropped }, 'claims of steps this node never queued were dropped; the steps are sent again');
    for (let i = 0; i < dropped; i++) this.counts.add('reconciled');
    return dropped;
  }
}

/** The claim, in one round trip: petrel_claim (src/store/schema-cluster.ts) runs it as one transaction. */
async function claimIn(shared: SharedDb, req: ClaimRequest, node: string): Promise<ClaimResult> {
  const candidates = req.candidates.map((x) => ({ name: x.name, day: x.day, cap: x.cap }));
  const { rows } = await shared.query<{ result: ClaimResult['result']; identity: string | null }>(
    'SELECT claim_result AS result, claim_identity AS identity FROM petrel_claim($1, $2, $3, $4, $5, $6::jsonb, $7)',
    [req.campaign, req.email, req.step, node, req.queueId, JSON.stringify(candidates), req.retryAt]);
  const r = rows[0]!;
  if (r.result === 'claimed') return { result: 'claimed', identity: r.identity! };
  return { result: r.result };
}

async function giveBack(c: Sql, rows: Array<{ identity: string | null; day: string | null }>): Promise<void> {
  for (const r of rows) if (r.identity && r.day) await returnCap(c, r.identity, r.day);
}
