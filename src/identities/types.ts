// Sending identities: one source of mail (an address or a whole domain) and the way it leaves —
// by MX from Petrel itself (`mta`, optionally bound to a source IP) or through its own relay account.
import type { ImapSettings } from '../mailboxes/types.js';
import type { Ramp } from '../pacing/warmup.js';

export const IDENTITY_VIAS = ['mta', 'relay'] as const;
export type IdentityVia = (typeof IDENTITY_VIAS)[number];

export const RELAY_TLS = ['starttls', 'implicit', 'none'] as const;
export type RelayTls = (typeof RELAY_TLS)[number];

export type RelayMechanism = 'XOAUTH2' | 'CRAM-MD5' | 'PLAIN' | 'LOGIN';

/** A relay identity's submission account, without its secrets. */
export interface RelaySettings {
  host: string;
  port: number;
  tls: RelayTls;
  verify: boolean;
  user?: string;
  mechanisms?: RelayMechanism[];
  /** XOAUTH2 through the OAuth2 refresh-token flow (the refresh token is in the sealed secret). */
  oauth?: { tokenUrl: string; clientId: string; scope?: string };
}

/** Sealed at rest (store/seal.ts), never printed. */
export interface IdentitySecret {
  password?: string;
  /** The IMAP login's password (often the same app password as the relay's). */
  imapPassword?: string;
  refreshToken?: string;
  clientSecret?: string;
}

/** The provider's own ceilings (a preset's); caps and ramps never go above them. */
export interface HardCaps {
  daily?: number;
  hourly?: number;
  perMinute?: number;
}

/** Stored state: `warming` and `suspended` are derived (ramp below target, a shaping action in force). */
export type StoredState = 'active' | 'paused';
export type IdentityState = 'active' | 'warming' | 'paused' | 'suspended';

export interface Identity {
  name: string;
  /** A lower-case address, or a bare domain for every address of it. */
  from: string;
  domain: string;
  via: IdentityVia;
  preset?: string;
  relay?: RelaySettings;
  /** Its mailbox over IMAP (src/mailboxes): replies, auto-replies, bounces, warm-up and placement mail. */
  imap?: ImapSettings;
  /** Sends and receives warm-up mail among the other identities so flagged (src/warmup-network). */
  warmupNetwork?: boolean;
  /** mta: the local address outgoing connections bind to. */
  source?: string;
  dailyCap?: number;
  hourlyCap?: number;
  minGapMs: number;
  hardCaps: HardCaps;
  warmup?: Ramp;
  /** Warm-up day 1 (YYYY-MM-DD in timeZone). */
  warmupStart?: string;
  timeZone: string;
  state: StoredState;
  reason?: string;
  pausedBy?: 'operator' | 'auto';
  changedAt?: number;
  createdAt: number;
  /** Changes whenever the sealed secret does (`identity set` of a password): cached credentials key on it. Never shown. */
  secretVersion?: string;
}

/** What `identity add` gives the store. */
export type NewIdentity = Omit<Identity, 'domain' | 'state' | 'createdAt' | 'warmupStart' | 'reason' | 'pausedBy' | 'changedAt' | 'secretVersion'> & {
  secret?: IdentitySecret;
};

/** The address an identity sends as: its own, or for a domain identity the given one. */
export function isDomainIdentity(identity: Pick<Identity, 'from'>): boolean {
  return !identity.from.includes('@');
}
