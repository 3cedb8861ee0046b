// What operators see of an identity (CLI `identity list|show`, the API, the dashboard): its settings
// without secrets, today's sends against today's cap, warm-up day, 24-hour rates, state and reason,
// the shaping actions that concern it with the replies that triggered them, and its mailbox (IMAP
// settings and the watcher's connection state). Read-only.
import type { Db } from '../store/db.js';
import { ShapingActionStore, sourceKeyOf, type ShapingAction } from '../pacing/actions.js';
import { formatRamp, rampCap } from '../pacing/warmup.js';
import { effectiveLimits, stateOf } from './caps.js';
import { IdentityFigures, type RollingFigures } from './figures.js';
import type { Identity, IdentityState } from './types.js';

export interface ActionView {
  id: number;
  rule: string;
  action: 'throttle' | 'suspend';
  scope: string;
  provider: string | null;
  rate: number | null;
  startedAt: string;
  endsAt: string;
  inForce: boolean;
  reply: string | null;
}

export interface IdentityView {
  name: string;
  from: string;
  via: Identity['via'];
  state: IdentityState;
  reason: string | null;
  sentToday: number;
  capToday: number | null;
  warmupDay: number | null;
  bounceRate: number | null;
  complaintRate: number | null;
  domain: string;
  preset: string | null;
  relay: { host: string; port: number; tls: string; user: string | null; oauth: boolean } | null;
  source: string | null;
  dailyCap: number | null;
  hourlyCap: number | null;
  minGapSeconds: number;
  warmup: string | null;
  warmupCurve: number[];
  timeZone: string;
  hardCaps: Identity['hardCaps'];
  pausedBy: string | null;
  suspendedUntil: string | null;
  last24h: RollingFigures;
  actions: ActionView[];
  /** Its mailbox over IMAP (never the password); null: none. */
  imap: { host: string; port: number; tls: string; user: string; verify: boolean; auth: 'password' | 'xoauth2' } | null;
  warmupNetwork: boolean;
  /** The mailbox watcher's connection state (mailbox_status); null: not watched yet. */
  mailbox: MailboxStateView | null;
  createdAt: string;
}

export interface MailboxStateView {
  state: string;
  error: string | null;
  since: string;
  retryAt: string | null;
  checkedAt: string | null;
}

/** Views of identities as of `now`. */
export function identityViews(db: Db, identities: readonly Identity[], now: number): IdentityView[] {
  const figures = new IdentityFigures(db);
  const actions = new ShapingActionStore(db);
  const holds = db.prepare('SELECT day FROM warmup_holds WHERE identity = ?').pluck();
  const mailbox = db.prepare('SELECT state, error, since, retry_at, checked_at FROM mailbox_status WHERE identity = ?');
  return identities.map((identity) => {
    const limits = effectiveLimits(identity, holds.all(identity.name) as string[], now);
    const recent = actions.recentFor(identity.name, [`source:${sourceKeyOf(identity)}`]);
    const live = recent.filter((a) => a.clearedAt === null && a.endsAt > now);
    const suspension = live.filter((a) => a.kind === 'suspend' && (a.scope === `identity:${identity.name}` || a.provider === null)).sort((a, b) => b.endsAt - a.endsAt)[0];
    const last24h = figures.over24h(identity, now);
    return {
      name: identity.name, from: identity.from, via: identity.via, state: stateOf(identity, limits, suspension !== undefined),
      reason: identity.state === 'paused' ? identity.reason ?? null : suspension ? `suspended by ${suspension.rule}: ${suspension.text ?? ''}`.trim() : null,
      sentToday: figures.sentToday(identity.name, identity.timeZone, now), capToday: limits.capToday, warmupDay: limits.warmupDay,
      bounceRate: last24h.bounceRate, complaintRate: last24h.complaintRate, domain: identity.domain, preset: identity.preset ?? null,
      relay: identity.relay ? { host: identity.relay.host, port: identity.relay.port, tls: identity.relay.tls, user: identity.relay.user ?? null, oauth: identity.relay.oauth !== undefined } : null,
      source: identity.source ?? null, dailyCap: identity.dailyCap ?? null, hourlyCap: identity.hourlyCap ?? null, minGapSeconds: identity.minGapMs / 1000,
      warmup: identity.warmup ? formatRamp(identity.warmup) : null, warmupCurve: curve(identity), timeZone: identity.timeZone, hardCaps: identity.hardCaps,
      pausedBy: identity.state === 'paused' ? identity.pausedBy ?? null : null, suspendedUntil: suspension ? new Date(suspension.endsAt).toISOString() : null,
      last24h, actions: recent.map((a) => actionView(a, now)), imap: identity.imap ? { ...identity.imap } : null,
      warmupNetwork: identity.warmupNetwork === true, mailbox: identity.imap ? mailboxView(mailbox.get(identity.name) as StatusRow | undefined) : null, createdAt: new Date(identity.createdAt).toISOString(),
    };
  });
}

interface StatusRow {
  state: string;
  error: string | null;
  since: number;
  retry_at: number | null;
  checked_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function mailboxView(r: StatusRow | undefined): MailboxStateView | null {
  return r ? { state: r.state, error: r.error, since: new Date(r.since).toISOString(), retryAt: iso(r.retry_at), checkedAt: iso(r.checked_at) } : null;
}

function actionView(a: ShapingAction & { clearedAt: number | null }, now: number): ActionView {
  return {
    id: a.id, rule: a.rule, action: a.kind, scope: a.scope, provider: a.provider, rate: a.rate,
    startedAt: new Date(a.startedAt).toISOString(), endsAt: new Date(a.clearedAt ?? a.endsAt).toISOString(),
    inForce: a.clearedAt === null && a.endsAt > now, reply: a.code === null ? null : `${a.code} ${a.enhanced ?? ''} ${a.text ?? ''}`.replace(/\s+/g, ' ').trim(),
  };
}

/** The ramp's daily caps from day 1 until it reaches its target (at most 60 days), for charts. */
function curve(identity: Identity): number[] {
  const r = identity.warmup;
  if (!r) return [];
  const out: number[] = [];
  for (let day = 1; day <= 60; day++) {
    const cap = rampCap(r, day);
    out.push(cap);
    if (cap >= r.target) break;
  }
  return out;
}
