// The shapes of /v1/campaigns as the dashboard reads them (docs/api.md, "Campaigns"), and small helpers
// shared by the Campaigns and Campaign pages. Types only, plus pure formatting.

export const CONTACT_STATES = ['pending', 'active', 'finished', 'replied', 'bounced', 'unsubscribed', 'complained', 'stopped', 'paused'] as const;
export type ContactState = (typeof CONTACT_STATES)[number];
export type CampaignState = 'draft' | 'running' | 'paused' | 'stopped' | 'finished';

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

export interface CampaignSummary {
  name: string;
  state: CampaignState;
  list: string;
  pool: string | null;
  identity: string | null;
  steps: number;
  sent: number;
  contacts: Record<ContactState, number>;
  createdAt: string;
  startedAt: string | null;
}

export interface CampaignDetail {
  name: string;
  definition: unknown;
  changedAt: string | null;
  status: CampaignStatus;
}

export interface PreflightItem {
  check: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

export interface PreflightReport {
  campaign: string;
  ok: boolean;
  items: PreflightItem[];
  estimate: { contacts: number; dailyCapacity: number | null; days: number | null };
}

export type Preview =
  | { ok: true; campaign: string; contact: string; step: number; variant: string | null; identity: string | null; from: string | null;
    subject: string; inReplyTo: string | null; references: string[]; listUnsubscribe: string; text: string; html: string | null }
  | { ok: false; campaign: string; contact: string; step: number; missing: string[]; where: string };

export interface CampaignContact {
  email: string;
  state: ContactState;
  step: number;
  nextAt: string | null;
  identity: string | null;
  startedAt: string | null;
  lastSentAt: string | null;
  reason: string | null;
}

/** "pool sales" or "identity dana". */
export const sendingVia = (c: { pool: string | null; identity: string | null }): string => (c.pool ? `pool ${c.pool}` : `identity ${c.identity ?? '?'}`);

/** `n` of `of` as a percentage without decimals ('–' when nothing was sent). */
export const share = (n: number, of: number): string => (of === 0 ? '–' : `${Math.round((n / of) * 100)}%`);

export const campaignPath = (name: string, rest = ''): string => `/v1/campaigns/${encodeURIComponent(name)}${rest}`;
