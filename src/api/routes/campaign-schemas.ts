// The JSON of /v1/campaigns: the body (campaign.yaml as JSON, documented from the campaign's own zod
// schema but checked by validateCampaign so every issue is reported), and the views answered. Pure zod.
import { z } from 'zod';
import { campaignSchema } from '../../campaigns/definition.js';
import type { PreflightReport } from '../../campaigns/preflight.js';
import type { PreviewResult } from '../../campaigns/preview.js';
import type { CampaignStatus } from '../../campaigns/status.js';
import { CAMPAIGN_STATES, CONTACT_STATES } from '../../campaigns/store.js';

const { $schema: _drop, ...campaignDoc } = z.toJSONSchema(campaignSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/**
 * Any JSON passes here; the handler runs validateCampaign (schema and templates), which reports every
 * issue. The OpenAPI document shows the campaign schema itself.
 */
export const campaignBody = z.unknown().meta(campaignDoc);

export const campaignParams = z.strictObject({ name: z.string().min(1).max(64).describe('the campaign\'s name') });

export const startBody = z.strictObject({
  force: z.boolean().default(false).describe('start even when the preflight fails'),
});

const counts = z.object(Object.fromEntries(CONTACT_STATES.map((s) => [s, z.number().int()])) as Record<(typeof CONTACT_STATES)[number], z.ZodNumber>);

const stepFigures = z.object({
  step: z.number().int().describe('1-based'),
  variant: z.string().nullable().describe('the A/B variant\'s id; null without variants'),
  subject: z.string().nullable().describe('the subject template; null: a reply in the thread of step 1'),
  delay: z.string().describe('after the previous step: 0, 2h, 3d, 2 business days'),
  sent: z.number().int(),
  delivered: z.number().int(),
  bounced: z.number().int(),
  replied: z.number().int(),
  unsubscribed: z.number().int(),
  complained: z.number().int(),
  opened: z.number().int().optional().describe('with tracking on'),
  clicked: z.number().int().optional().describe('with tracking on'),
});

export const statusView = z.object({
  name: z.string(),
  state: z.enum(CAMPAIGN_STATES),
  list: z.string(),
  pool: z.string().nullable(),
  identity: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  steps: z.array(stepFigures).describe('one entry per step and variant'),
  contacts: counts.describe('contacts by state'),
});
/** Compile-time check that the schema describes what campaignStatus() returns. */
export const asStatusView = (s: CampaignStatus): z.infer<typeof statusView> => s;

export const summaryView = z.object({
  name: z.string(),
  state: z.enum(CAMPAIGN_STATES),
  list: z.string(),
  pool: z.string().nullable(),
  identity: z.string().nullable(),
  steps: z.number().int().describe('how many steps'),
  sent: z.number().int().describe('steps sent so far, all steps and variants'),
  contacts: counts,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
});

export const detailView = z.object({
  name: z.string(),
  definition: z.unknown().describe('the campaign as it was given (POST or PUT body)'),
  changedAt: z.string().nullable(),
  status: statusView,
});

const preflightItem = z.object({
  check: z.string().describe('identities, auth:<domain>, unsubscribe, list, templates, links, tracking, capacity'),
  status: z.enum(['pass', 'warn', 'fail']),
  message: z.string(),
  fix: z.string().optional(),
  details: z.unknown().optional(),
});
export const preflightView = z.object({
  campaign: z.string(),
  ok: z.boolean().describe('no item failed'),
  items: z.array(preflightItem),
  estimate: z.object({ contacts: z.number().int(), dailyCapacity: z.number().nullable(), days: z.number().nullable() }),
});
export const asPreflightView = (r: PreflightReport): z.infer<typeof preflightView> => r;

export const preflightFailure = z.object({
  error: z.object({ code: z.literal('preflight_failed'), message: z.string(), preflight: preflightView }),
});

export const previewQuery = z.strictObject({
  contact: z.string().min(3).max(320).describe('the contact\'s address'),
  step: z.coerce.number().int().min(1).max(20).optional().describe('1-based; default: the contact\'s next step'),
});
export const previewView = z.union([
  z.object({
    ok: z.literal(true), campaign: z.string(), contact: z.string(), step: z.number().int(), variant: z.string().nullable(),
    identity: z.string().nullable(), from: z.string().nullable().describe('null: no identity of the pool can send now'),
    subject: z.string(), inReplyTo: z.string().nullable(), references: z.array(z.string()),
    listUnsubscribe: z.string().describe('the token is shown as TOKEN'), text: z.string(), html: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false), campaign: z.string(), contact: z.string(), step: z.number().int(),
    missing: z.array(z.string()).describe('fields the contact lacks and the template gives no fallback for'),
    where: z.string().describe('subject, text or html'),
  }),
]);
export const asPreviewView = (p: PreviewResult): z.infer<typeof previewView> => p;

export const contactsQuery = z.strictObject({
  state: z.enum(CONTACT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const contactView = z.object({
  email: z.string(),
  state: z.enum(CONTACT_STATES),
  step: z.number().int().describe('steps sent so far'),
  nextAt: z.string().nullable().describe('when the next step is due; null: not started, or nothing more to send'),
  identity: z.string().nullable().describe('fixed by the first send'),
  startedAt: z.string().nullable(),
  lastSentAt: z.string().nullable(),
  reason: z.string().nullable().describe('why it stopped or is paused'),
});

export const actionView = z.object({
  status: statusView,
  held: z.number().int().optional().describe('pause: queued steps held'),
  released: z.number().int().optional().describe('resume: held steps back in the queue'),
  contacts: z.number().int().optional().describe('resume: paused contacts tried again; stop: contacts stopped'),
});
