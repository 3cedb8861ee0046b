// The `sending` (identity caps, pacing, reputation rules) and `shaping` (provider rules) sections of
// petrel.yaml, with their defaults and meaning. Strict like the rest: unknown keys are errors.
import { isIP } from 'node:net';
import { z } from 'zod';
import { isTimeZone } from '../pacing/days.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** Caps of a sending domain or source IP that several identities share. */
const sharedCaps = {
  daily: positiveInt.optional(),
  hourly: positiveInt.optional(),
};

const reputationSchema = z.strictObject({
  /** How often the rolling figures of every identity are checked against the thresholds below. */
  checkIntervalSeconds: positiveInt.max(3600).default(60),
  /** Pause an identity whose hard bounces exceed this share of its sends in 24 h ... */
  hardBounceRate: z.number().min(0).max(1).default(0.03),
  /** ... once it made at least this many sends in that window. */
  hardBounceMinSends: nonNegativeInt.default(50),
  /** Log and record a warning above this complaint rate (Gmail's guidance: stay below 0.1 %). */
  complaintWarnRate: z.number().min(0).max(1).default(0.001),
  /** Pause above this complaint rate (Gmail's bulk-sender line, 0.3 %) ... */
  complaintPauseRate: z.number().min(0).max(1).default(0.003),
  /** ... once it made at least this many sends (0: any complaint over a small volume pauses). */
  complaintMinSends: nonNegativeInt.default(0),
  /** Look up every identity's sending domain and source IP on the blocklists (checks.*) this often; 0: never. */
  blocklistIntervalSeconds: nonNegativeInt.default(21_600),
});

export const sendingSchema = z.strictObject({
  /** Zone of the days of domainCaps and sourceCaps (identities have their own, `--time-zone`). */
  timeZone: z.string().refine((zone) => isTimeZone(zone), { error: 'must be an IANA time zone, e.g. Europe/Berlin' }).default('UTC'),
  /** Each minimum gap is stretched by a random share of it up to this fraction (0.3: 120 s becomes 120-156 s). */
  jitter: z.number().min(0).max(1).default(0.3),
  /** A paused identity's mail is looked at again this often (a resume releases it at once). */
  pausedRecheckSeconds: positiveInt.default(3600),
  /** Caps per sending domain, shared by all its identities. */
  domainCaps: z.array(z.strictObject({ domain: z.string().min(1).transform((d) => d.toLowerCase()), ...sharedCaps })).default([]),
  /** Caps per source IP, shared by the mta identities bound to it. */
  sourceCaps: z.array(z.strictObject({ address: z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address' }), ...sharedCaps })).default([]),
  reputation: reputationSchema.prefault({}),
});

export const shapingSchema = z.strictObject({
  /** Provider shaping and automation rules (data/shaping.yaml; docs/shaping.md). */
  enabled: z.boolean().default(true),
  /** Use this rules file instead of the shipped one. */
  rulesFile: z.string().min(1).optional(),
  /** Changes over the rules: same shape as the file; entries with a shipped name replace it field by field. */
  overrides: z.record(z.string(), z.unknown()).optional(),
});

