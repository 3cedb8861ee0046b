// The JSON of /v1/identities, /v1/pools and /v1/shaping: request bodies (the `identity add` and
// `pool add` flags as fields) and the views answered. Pure zod; the OpenAPI document is built from them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { IDENTITY_VIAS, RELAY_TLS } from '../../identities/types.js';
import { IMAP_TLS } from '../../mailboxes/types.js';
import type { IdentityView } from '../../identities/view.js';
import { isTimeZone } from '../../pacing/days.js';
import { parseRamp } from '../../pacing/warmup.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
/** An identity or pool name: what IdentityStore and PoolStore accept. */
export const name = z.string().regex(NAME, 'letters, digits, . _ - (at most 64, starting with a letter or digit)');
export const nameParams = z.strictObject({ name: z.string().min(1).max(64).describe('the name') });

const count = z.number().int().min(1);

export const identityBody = z.strictObject({
  name,
  from: z.string().min(1).max(320).describe('the address it sends as, or a domain for every address of it'),
  via: z.enum(IDENTITY_VIAS).describe('mta: Petrel delivers by MX; relay: through its own SMTP submission account'),
  preset: z.enum(['gmail', 'm365', 'esp']).optional().describe('relay: host, port, TLS and the provider\'s ceilings'),
  relayHost: z.string().min(1).max(253).optional(),
  relayPort: z.number().int().min(1).max(65_535).optional().describe('default: the preset\'s, else 587'),
  relayTls: z.enum(RELAY_TLS).optional(),
  relayUser: z.string().min(1).max(320).optional().describe('AUTH user (default: the from address)'),
  relayPassword: z.string().min(1).max(1024).optional().describe('write-only: stored sealed, never returned'),
  relayVerify: z.boolean().optional().describe('verify the relay\'s certificate (default true)'),
  oauth: z.strictObject({
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1).max(1024),
    scope: z.string().max(1024).optional(),
    refreshToken: z.string().min(1).max(8192).describe('write-only'),
    clientSecret: z.string().min(1).max(1024).optional().describe('write-only'),
  }).optional().describe('XOAUTH2 through the OAuth2 refresh-token flow'),
  source: z.string().refine((v) => isIP(v) !== 0, 'must be an IP address').optional().describe('mta: the local address to send from'),
  dailyCap: count.optional().describe('sends a day (a preset has a default)'),
  hourlyCap: count.optional(),
  minGapSeconds: z.number().min(0).max(86_400).optional().describe('at least this long between two sends (plus jitter)'),
  warmup: z.string().max(64).refine((v) => parseRamp(v) !== null, 'START,STEP,TARGET (e.g. 5,2,40) or START,STEP%,TARGET, with START <= TARGET').optional(),
  timeZone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Berlin').optional().describe('the zone its days count in (default UTC)'),
  imap: z.boolean().optional().describe('watch its mailbox over IMAP (a gmail or m365 preset fills the server); PATCH false removes it'),
  imapHost: z.string().min(1).max(253).optional().describe('IMAP server (implies imap)'),
  imapPort: z.number().int().min(1).max(65_535).optional().describe('default 993, or 143 without implicit TLS'),
  imapTls: z.enum(IMAP_TLS).optional(),
  imapUser: z.string().min(1).max(320).optional().describe('IMAP login (default: the from address)'),
  imapPassword: z.string().min(1).max(1024).optional().describe('write-only: stored sealed, never returned (default: the relay password)'),
  imapVerify: z.boolean().optional().describe('verify the IMAP server\'s certificate (default true)'),
  warmupNetwork: z.boolean().optional().describe('send and receive warm-up mail among the identities so flagged'),
});
export type IdentityBody = z.infer<typeof identityBody>;

/** PATCH: any field of the POST but the name; oauth fields not given keep their values. */
export const identityPatchBody = identityBody.omit({ name: true, oauth: true }).partial().extend({
  oauth: identityBody.shape.oauth.unwrap().partial().optional().describe('XOAUTH2: the fields to change'),
});
export type IdentityPatchBody = z.infer<typeof identityPatchBody>;

export const pauseBody = z.strictObject({ reason: z.string().min(1).max(500).optional().describe('why (shown in the list)') });

const rolling = z.object({
  sent: z.number(), delivered: z.number(), hardBounces: z.number(), softBounces: z.number(), blocks: z.number(), complaints: z.number(),
  bounceRate: z.number().nullable(), complaintRate: z.number().nullable(),
});
const actionView = z.object({
  id: z.number(),
  rule: z.string(),
  action: z.enum(['throttle', 'suspend']),
  scope: z.string().describe('identity:<name> or source:<key>'),
  provider: z.string().nullable(),
  rate: z.number().nullable().describe('throttle: sends a minute allowed'),
  startedAt: z.string(),
  endsAt: z.string().describe('when it ends (or ended, or was cleared)'),
  inForce: z.boolean(),
  reply: z.string().nullable().describe('the reply that triggered it'),
});
export const identityView = z.object({
  name: z.string(),
  from: z.string(),
  via: z.enum(IDENTITY_VIAS),
  state: z.enum(['active', 'warming', 'paused', 'suspended']),
  reason: z.string().nullable(),
  sentToday: z.number().describe('sends since the start of its day (its time zone)'),
  capToday: z.number().nullable().describe('the lowest of its cap, the provider\'s ceiling and the warm-up ramp; null: none'),
  warmupDay: z.number().nullable(),
  bounceRate: z.number().nullable().describe('hard bounces / sends over 24 hours'),
  complaintRate: z.number().nullable(),
  domain: z.string(),
  preset: z.string().nullable(),
  relay: z.object({ host: z.string(), port: z.number(), tls: z.string(), user: z.string().nullable(), oauth: z.boolean() }).nullable()
    .describe('no secrets: a password or token is never returned'),
  source: z.string().nullable(),
  dailyCap: z.number().nullable(),
  hourlyCap: z.number().nullable(),
  minGapSeconds: z.number(),
  warmup: z.string().nullable(),
  warmupCurve: z.array(z.number()).describe('the ramp\'s cap on day 1, 2, ... until it reaches its target'),
  timeZone: z.string(),
  hardCaps: z.object({ daily: z.number().optional(), hourly: z.number().optional(), perMinute: z.number().optional() }),
  pausedBy: z.string().nullable(),
  suspendedUntil: z.string().nullable(),
  last24h: rolling,
  actions: z.array(actionView).describe('recent shaping actions that concern it, newest first'),
  imap: z.object({ host: z.string(), port: z.number(), tls: z.string(), user: z.string(), verify: z.boolean(), auth: z.enum(['password', 'xoauth2']) }).nullable()
    .describe('its mailbox over IMAP; no secrets'),
  warmupNetwork: z.boolean(),
  mailbox: z.object({
    state: z.string().describe('connecting, idle, polling, auth-failed, error or stopped'),
    error: z.string().nullable(), since: z.string(), retryAt: z.string().nullable(), checkedAt: z.string().nullable(),
  }).nullable().describe('the mailbox watcher\'s connection state; null: not watched yet'),
  createdAt: z.string(),
});
/** Compile-time check that the schema describes what identityViews() returns. */
export const asIdentityView = (v: IdentityView): z.infer<typeof identityView> => v;

export const poolBody = z.strictObject({
  members: z.array(z.strictObject({
    identity: name,
    weight: z.number().int().min(1).max(1000).default(1).describe('its share of the sends (default 1)'),
  })).min(1).max(1000).superRefine((members, ctx) => {
    const seen = new Set<string>();
    members.forEach((m, i) => {
      if (seen.has(m.identity)) ctx.addIssue({ code: 'custom', message: `${m.identity} is named twice`, path: [i, 'identity'] });
      seen.add(m.identity);
    });
  }),
});
export const poolView = z.object({
  name: z.string(),
  members: z.array(z.object({ identity: z.string(), weight: z.number() })),
  createdAt: z.string(),
});

export const shapingActionView = z.object({
  id: z.number(),
  rule: z.string(),
  action: z.enum(['throttle', 'suspend']),
  scope: z.string().describe('identity:<name> or source:<key> (source:ip:<address>, source:relay:<identity>)'),
  provider: z.string().nullable().describe('null: towards every provider'),
  rate: z.number().nullable().describe('throttle: sends a minute allowed'),
  factor: z.number().nullable(),
  identity: z.string().nullable().describe('the identity whose reply triggered it'),
  messageId: z.string().nullable(),
  reply: z.string().nullable().describe('the reply that triggered it'),
  startedAt: z.string(),
  endsAt: z.string(),
});
