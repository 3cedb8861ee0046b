// The zod schemas of the shaping rules file (data/shaping.yaml) and of its overrides in petrel.yaml:
// strict objects, durations parsed to milliseconds, regular expressions compiled once. Parsing fails
// with zod issues whose paths name the bad field; a bad regular expression or duration is one of them.
import { z } from 'zod';
import { BOUNCE_CLASSES, type BounceClass } from '../bounce/classes.js';
import { parseDuration } from './duration.js';

/** Longest action a rule may set: a month. */
const MAX_DURATION_MS = 30 * 86_400_000;

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const SUFFIX = /^(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)+$/;
const ENHANCED = /^[245](?:\.\d{1,3}){0,2}$/;

const name = z.string().regex(NAME, { error: 'lower-case letters, digits, ".", "-" and "_" only' });

const mxSuffix = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/\.$/, ''))
  .pipe(z.string().regex(SUFFIX, { error: 'a host-name suffix with a leading dot, e.g. .google.com' }));

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) ctx.addIssue({ code: 'custom', message: `invalid duration "${text.slice(0, 40)}" (e.g. 30m, 1h, 2d)` });
  else if (ms > MAX_DURATION_MS) ctx.addIssue({ code: 'custom', message: 'at most 30d' });
  else return ms;
  return z.NEVER;
});

/** A case-insensitive pattern, compiled here so a bad one fails at load time, not at the first reply. */
const pattern = z.string().min(1).max(2000).transform((source, ctx) => {
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^.*: /, '') : String(err);
    ctx.addIssue({ code: 'custom', message: `invalid regular expression (${why})` });
    return z.NEVER;
  }
});

const limitFields = {
  /** Concurrent connections from one source (an IP, or a relay identity). */
  connectionsPerSource: z.number().int().positive().max(10_000),
  /** Transactions on one connection before it is closed. */
  messagesPerConnection: z.number().int().positive().max(100_000),
  /** Messages a minute from one source towards the provider. */
  messagesPerMinutePerSource: z.number().positive().max(1_000_000),
  /** Messages a minute from one identity towards the provider. */
  messagesPerMinutePerIdentity: z.number().positive().max(1_000_000),
};

const limitsSchema = z.strictObject({
  connectionsPerSource: limitFields.connectionsPerSource.optional(),
  messagesPerConnection: limitFields.messagesPerConnection.optional(),
  messagesPerMinutePerSource: limitFields.messagesPerMinutePerSource.optional(),
  messagesPerMinutePerIdentity: limitFields.messagesPerMinutePerIdentity.optional(),
});

/** In overrides, null removes a shipped limit. */
const limitsOverrideSchema = z.strictObject({
  connectionsPerSource: limitFields.connectionsPerSource.nullable().optional(),
  messagesPerConnection: limitFields.messagesPerConnection.nullable().optional(),
  messagesPerMinutePerSource: limitFields.messagesPerMinutePerSource.nullable().optional(),
  messagesPerMinutePerIdentity: limitFields.messagesPerMinutePerIdentity.nullable().optional(),
});

const providerSchema = limitsSchema.extend({ name, mx: z.array(mxSuffix).min(1) });
const providerOverrideSchema = limitsOverrideSchema.extend({ name, mx: z.array(mxSuffix).min(1).optional() });

const matchSchema = z
  .strictObject({
    codes: z.array(z.number().int().min(400).max(599)).min(1).optional(),
    enhanced: z.array(z.string().regex(ENHANCED, { error: 'an enhanced code or its leading parts, e.g. 4.7.28 or 4.7' })).min(1).optional(),
    text: pattern.optional(),
    class: z.array(z.enum(BOUNCE_CLASSES as readonly [BounceClass, ...BounceClass[]])).min(1).optional(),
  })
  .refine((m) => m.codes !== undefined || m.enhanced !== undefined || m.text !== undefined || m.class !== undefined, {
    error: 'needs at least one of codes, enhanced, text, class',
  });

const scope = z.enum(['source', 'identity']);

const actionSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('throttle'), factor: z.number().gt(0).lt(1), scope, duration }),
    z.strictObject({ kind: z.literal('suspend'), scope, duration }),
  ])
  .transform(({ duration: durationMs, ...rest }) => ({ ...rest, durationMs }));

const ruleSchema = z.strictObject({
  name,
  /** Only replies from this provider; absent for any destination. */
  provider: name.optional(),
  /** Leave the rule out (for overrides that switch a shipped rule off). */
  disabled: z.boolean().optional(),
  match: matchSchema,
  action: actionSchema,
});

const ruleOverrideSchema = z.strictObject({
  name,
  /** null makes the rule apply to any destination. */
  provider: name.nullable().optional(),
  disabled: z.boolean().optional(),
  match: matchSchema.optional(),
  action: actionSchema.optional(),
});

/** The whole rules file. */
export const shapingFileSchema = z.strictObject({
  providers: z.array(providerSchema).default([]),
  default: limitsSchema.default({}),
  automation: z.array(ruleSchema).default([]),
});

/**
 * Overrides of the shipped rules, as `shaping.overrides` in petrel.yaml: the same shape as the file,
 * every field optional but `name`; null removes an optional field.
 * @example shapingOverridesSchema.parse({ providers: [{ name: 'google', connectionsPerSource: 3 }] })
 */
export const shapingOverridesSchema = z.strictObject({
  providers: z.array(providerOverrideSchema).optional(),
  default: limitsOverrideSchema.optional(),
  automation: z.array(ruleOverrideSchema).optional(),
});

export type ShapingFile = z.output<typeof shapingFileSchema>;
export type ShapingOverrides = z.output<typeof shapingOverridesSchema>;
