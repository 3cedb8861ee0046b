// A campaign as data: the zod schema of campaign.yaml (and of the API's body), with delays parsed to
// a fixed length or a count of business days. Errors name their path (steps.1.delay: ...).
import { z } from 'zod';
import { isTimeZone } from '../pacing/days.js';

export const CAMPAIGN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** How long after the previous step (or the contact's start, for step 1) a step is due. */
export type Delay = { kind: 'fixed'; ms: number } | { kind: 'business'; days: number };

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const UNIT_WORDS: Array<[RegExp, string]> = [
  [/^(s|sec|secs|second|seconds)$/, 's'],
  [/^(m|min|mins|minute|minutes)$/, 'm'],
  [/^(h|hr|hrs|hour|hours)$/, 'h'],
  [/^(d|day|days)$/, 'd'],
];

/**
 * `0`, `30s`, `10m`, `2h`, `3d`, `3 days`, `2 business days`; null when it is none of these.
 * @example parseDelay('2 business days') // { kind: 'business', days: 2 }
 */
export function parseDelay(value: string | number): Delay | null {
  if (typeof value === 'number') return value === 0 ? { kind: 'fixed', ms: 0 } : null;
  const m = /^\s*(\d{1,6})\s*([a-z ]*?)\s*$/i.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase().replace(/\s+/g, ' ');
  if (unit === '') return n === 0 ? { kind: 'fixed', ms: 0 } : null;
  if (/^business days?$/.test(unit)) return n <= 365 ? { kind: 'business', days: n } : null;
  const short = UNIT_WORDS.find(([re]) => re.test(unit))?.[1];
  if (!short) return null;
  const ms = n * UNITS[short]!;
  return ms <= 366 * 86_400_000 ? { kind: 'fixed', ms } : null;
}

const delay = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const parsed = parseDelay(value);
  if (!parsed) ctx.addIssue({ code: 'custom', message: `"${value}" is not a delay (0, 30s, 10m, 2h, 3d, 2 business days; at most a year)` });
  return parsed ?? { kind: 'fixed' as const, ms: 0 };
});

const noNewline = (max: number) => z.string().max(max).refine((s) => !/[\r\n]/.test(s), 'must not contain CR or LF');
const body = z.string().min(1).max(200_000);

const variant = z.strictObject({
  /** Shown in status and the dashboard; A, B, C ... by position when left out. */
  id: z.string().regex(/^[\w.-]{1,32}$/, 'letters, digits, _ . - (at most 32)').optional(),
  weight: z.number().int().min(1).max(1000).default(1),
  subject: noNewline(998).optional(),
  text: body.optional(),
  html: body.optional(),
});

const step = z
  .strictObject({
    delay,
    /** A follow-up without a subject is sent as a reply in the thread: "Re: <first subject>". */
    subject: noNewline(998).optional(),
    text: body.optional(),
    html: body.optional(),
    variants: z.array(variant).min(2).max(10).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.variants) s.variants.forEach((v, i) => {
      if (!v.text && !s.text) ctx.addIssue({ code: 'custom', path: ['variants', i, 'text'], message: 'a variant needs text (its own or the step\'s)' });
    });
    else if (!s.text) ctx.addIssue({ code: 'custom', path: ['text'], message: 'a step needs text (or variants)' });
  });

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hour = z.union([
  z.number().int().min(0).max(24).transform((h) => h * 60),
  // 00:00 to 23:59, and 24:00 for the end of the day: a later time is past the local day, where
  // isOpen (minutes of that day) and nextOpening/windowEnd (wall times) would disagree.
  z.string().regex(/^(([01]?\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM from 00:00 to 24:00, e.g. 09:00').transform((s) => {
    const [h, m] = s.split(':').map(Number) as [number, number];
    return h * 60 + m;
  }),
]);

const window = z
  .strictObject({
    /** An IANA zone, or `contact`: each contact's own `timezone` field (fallbackTimezone without one). */
    timezone: z.string().refine((zone) => zone === 'contact' || isTimeZone(zone), 'an IANA time zone (Europe/Paris) or "contact"').default('UTC'),
    fallbackTimezone: z.string().refine(isTimeZone, 'an IANA time zone').default('UTC'),
    days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    /** Local time the window opens and closes, as minutes from midnight once parsed. */
    start: hour.default(9 * 60),
    end: hour.default(17 * 60),
  })
  .refine((w) => w.end > w.start, { message: 'end must be later than start', path: ['end'] });

export type Window = z.infer<typeof window>;
export type Schedule = 'always' | Window;

export const STOP_REASONS = ['reply', 'companyReply', 'bounce', 'unsubscribe', 'complaint'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

const tracking = z.union([
  z.literal('none'),
  z.strictObject({
    opens: z.boolean().default(false),
    clicks: z.boolean().default(false),
    /** Base URL of the tracking host (a CNAME of your own to Petrel's HTTP server). */
    host: z.url({ protocol: /^https?$/ }),
  }),
]);

export const campaignSchema = z
  .strictObject({
    name: z.string().regex(CAMPAIGN_NAME, 'letters, digits, . _ - (at most 64, starting with a letter or digit)'),
    list: z.string().min(1).max(64),
    pool: z.string().min(1).max(64).optional(),
    identity: z.string().min(1).max(64).optional(),
    /** Display name in From (the identity's address is the address). */
    fromName: noNewline(200).optional(),
    schedule: z.union([z.literal('always'), window]).default('always'),
    /** New contacts started per day (in the schedule's zone); none: as fast as caps allow. */
    dailyLimit: z.number().int().min(1).max(1_000_000).optional(),
    steps: z.array(step).min(1).max(20),
    stopOn: z.array(z.enum(STOP_REASONS)).default(['reply', 'bounce', 'unsubscribe', 'complaint']),
    tracking: tracking.default('none'),
  })
  .superRefine((c, ctx) => {
    if ((c.pool === undefined) === (c.identity === undefined)) ctx.addIssue({ code: 'custom', path: ['pool'], message: 'give pool or identity (one of them)' });
    const first = c.steps[0];
    if (first && !first.subject && !(first.variants?.every((v) => v.subject))) {
      ctx.addIssue({ code: 'custom', path: ['steps', 0, 'subject'], message: 'the first step needs a subject (later steps without one reply in its thread)' });
    }
  });

export type CampaignInput = z.input<typeof campaignSchema>;
export type Campaign = z.infer<typeof campaignSchema>;
export type Step = Campaign['steps'][number];

/** The content one contact gets for a step: the step's own, or the chosen variant's over it. */
export interface StepContent {
  variant: string | null;
  subject: string | undefined;
  text: string;
  html: string | undefined;
}

/** The variants of a step with their ids (A, B, ... when not named); one null variant without A/B. */
export function variantsOf(s: Step): Array<StepContent & { weight: number }> {
  if (!s.variants) return [{ variant: null, weight: 1, subject: s.subject, text: s.text!, html: s.html }];
  return s.variants.map((v, i) => ({
    variant: v.id ?? String.fromCharCode(65 + i),
    weight: v.weight,
    subject: v.subject ?? s.subject,
    text: v.text ?? s.text!,
    html: v.html ?? s.html,
  }));
}

/** Validate parsed YAML/JSON; throws the ZodError (callers turn it into a message naming the path). */
export function parseCampaign(input: unknown): Campaign {
  return campaignSchema.parse(input);
}
