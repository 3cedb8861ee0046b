// What `campaign status`, the API and the dashboard show of a campaign: per step and variant the
// sends and what became of them (delivered, bounced, replied, unsubscribed, complained; opened and
// clicked with tracking on), and the contacts by state. Read-only; unknown names throw StoreError.
import type { Db } from '../store/db.js';
import { variantsOf } from './definition.js';
import { CampaignStore, type CampaignState, type ContactState } from './store.js';

export interface StepFigures {
  step: number;
  variant: string | null;
  subject: string | null;
  delay: string;
  sent: number;
  delivered: number;
  bounced: number;
  replied: number;
  unsubscribed: number;
  complained: number;
  opened?: number;
  clicked?: number;
}

export interface CampaignStatus {
  name: string;
  state: CampaignState;
  list: string;
  pool: string | null;
  identity: string | null;
  createdAt: string;
  startedAt: string | null;
  steps: StepFigures[];
  contacts: Record<ContactState, number>;
}

type Row = Omit<StepFigures, 'subject' | 'delay'>;

export function campaignStatus(db: Db, name: string): CampaignStatus {
  const store = new CampaignStore(db);
  const c = store.require(name);
  const def = c.definition;
  const rows = db.prepare(`SELECT s.step, s.variant, count(*) AS sent,
      sum(r.state IN ('delivered', 'relayed')) AS delivered,
      sum(r.state IN ('bounced', 'expired') OR s.outcome = 'bounced') AS bounced,
      sum(s.outcome = 'replied') AS replied, sum(s.outcome = 'unsubscribed') AS unsubscribed,
      sum(s.outcome = 'complained') AS complained,
      count(s.opened_at) AS opened, count(s.clicked_at) AS clicked
    FROM campaign_sends s LEFT JOIN recipients r ON r.message_id = s.message_id AND r.idx = 0
    WHERE s.campaign = ? GROUP BY s.step, s.variant`).all(name) as Row[];
  const tracking = def.tracking !== 'none';
  const steps = def.steps.flatMap((step, i) => variantsOf(step).map((v) => {
    const row = rows.find((r) => r.step === i + 1 && r.variant === v.variant);
    const n = (x: number | undefined) => x ?? 0;
    return {
      step: i + 1, variant: v.variant, subject: v.subject ?? null, delay: delayText(step.delay),
      sent: n(row?.sent), delivered: n(row?.delivered), bounced: n(row?.bounced), replied: n(row?.replied),
      unsubscribed: n(row?.unsubscribed), complained: n(row?.complained),
      ...(tracking ? { opened: n(row?.opened), clicked: n(row?.clicked) } : {}),
    };
  }));
  return {
    name, state: c.state, list: def.list, pool: def.pool ?? null, identity: def.identity ?? null,
    createdAt: new Date(c.createdAt).toISOString(), startedAt: c.startedAt === null ? null : new Date(c.startedAt).toISOString(),
    steps, contacts: store.counts(name),
  };
}

function delayText(d: { kind: 'fixed'; ms: number } | { kind: 'business'; days: number }): string {
  if (d.kind === 'business') return `${d.days} business day${d.days === 1 ? '' : 's'}`;
  const units: Array<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  const unit = units.find(([ms]) => d.ms >= ms && d.ms % ms === 0);
  return unit ? `${d.ms / unit[0]}${unit[1]}` : '0';
}

/** Human text of a status: the contacts' states, then one line per step and variant. */
export function renderStatus(s: CampaignStatus): string {
  const states = Object.entries(s.contacts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'no contacts';
  const lines = [`campaign ${s.name}: ${s.state} (list ${s.list}, ${s.pool ? `pool ${s.pool}` : `identity ${s.identity}`})`, `contacts: ${states}`];
  for (const st of s.steps) {
    const label = `step ${st.step}${st.variant ? ` ${st.variant}` : ''} (+${st.delay})`;
    const extra = st.opened !== undefined ? `, opened ${st.opened}, clicked ${st.clicked}` : '';
    lines.push(`  ${label}: sent ${st.sent}, delivered ${st.delivered}, bounced ${st.bounced}, replied ${st.replied}, unsubscribed ${st.unsubscribed}, complained ${st.complained}${extra}`);
  }
  return lines.join('\n') + '\n';
}
