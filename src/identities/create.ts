// Turns what an operator gives (`identity add` flags, the API's JSON) into a new identity: a preset's
// host, port, TLS and ceilings filled in, flags checked against each other. Bad input throws
// StoreError('invalid') with a message naming the flag.
import { isIP } from 'node:net';
import { StoreError } from '../store/errors.js';
import { isTimeZone } from '../pacing/days.js';
import { parseRamp } from '../pacing/warmup.js';
import { buildImap, wantsImap, type ImapInput } from './imap-settings.js';
import { PRESETS } from './presets.js';
import type { IdentitySecret, NewIdentity, RelaySettings, RelayTls } from './types.js';

export interface IdentityInput extends ImapInput {
  name: string;
  from: string;
  via: 'mta' | 'relay';
  preset?: 'gmail' | 'm365' | 'esp' | undefined;
  relayHost?: string | undefined;
  relayPort?: number | undefined;
  relayTls?: RelayTls | undefined;
  relayUser?: string | undefined;
  relayPassword?: string | undefined;
  /** Verify the relay's certificate (default true). */
  relayVerify?: boolean | undefined;
  oauth?: { tokenUrl: string; clientId: string; scope?: string | undefined; refreshToken: string; clientSecret?: string | undefined } | undefined;
  source?: string | undefined;
  dailyCap?: number | undefined;
  hourlyCap?: number | undefined;
  minGapSeconds?: number | undefined;
  warmup?: string | undefined;
  timeZone?: string | undefined;
  /** The IMAP login's password; default: the relay password. */
  imapPassword?: string | undefined;
  warmupNetwork?: boolean | undefined;
}

const ADDRESS = /^[^@\s]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)$/i;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

const invalid = (message: string): never => {
  throw new StoreError('invalid', message);
};

/** The identity `input` describes, with its IMAP side when asked for. */
export function buildIdentity(input: IdentityInput): NewIdentity {
  const identity = buildSending(input);
  if (input.warmupNetwork) identity.warmupNetwork = true;
  if (!wantsImap(input)) return identity;
  const password = input.imapPassword ?? input.relayPassword;
  identity.imap = buildImap(input, { from: identity.from, preset: input.preset, oauth: input.oauth !== undefined, password: password !== undefined });
  if (input.imapPassword !== undefined) identity.secret = { ...identity.secret, imapPassword: input.imapPassword };
  if (identity.imap.auth === 'password' && password === undefined) invalid('--imap needs --imap-password-stdin (or a relay password or XOAUTH2 credentials)');
  return identity;
}

function buildSending(input: IdentityInput): NewIdentity {
  if (!ADDRESS.test(input.from) && !DOMAIN.test(input.from)) invalid(`--from ${JSON.stringify(input.from)}: an address (name@domain) or a domain`);
  const preset = input.preset ? PRESETS[input.preset] : undefined;
  if (preset && input.via !== 'relay') invalid(`--preset ${input.preset} is for --via relay`);
  const timeZone = input.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) invalid(`--time-zone ${JSON.stringify(timeZone)}: an IANA time zone such as Europe/Berlin`);
  const warmup = input.warmup === undefined ? undefined : parseRamp(input.warmup) ?? invalid(`--warmup ${JSON.stringify(input.warmup)}: START,STEP,TARGET (e.g. 5,2,40) or START,STEP%,TARGET, with START <= TARGET`);
  for (const [flag, value] of [['--daily-cap', input.dailyCap], ['--hourly-cap', input.hourlyCap]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) invalid(`${flag} must be a whole number above 0`);
  }
  const gap = input.minGapSeconds ?? preset?.defaultCaps.minGapSeconds ?? 0;
  if (!Number.isFinite(gap) || gap < 0 || gap > 86_400) invalid('--min-gap-seconds must be from 0 to 86400');
  const dailyCap = input.dailyCap ?? preset?.defaultCaps.daily;
  const hourlyCap = input.hourlyCap ?? preset?.defaultCaps.hourly;
  const identity: NewIdentity = {
    name: input.name, from: input.from.toLowerCase(), via: input.via, minGapMs: Math.round(gap * 1000), hardCaps: preset?.hardCaps ?? {}, timeZone,
    ...(input.preset ? { preset: input.preset } : {}), ...(dailyCap !== undefined ? { dailyCap } : {}), ...(hourlyCap !== undefined ? { hourlyCap } : {}),
    ...(warmup ? { warmup } : {}),
  };
  if (input.via === 'relay') return withRelay(identity, input, preset);
  if (input.relayHost || input.relayUser || input.relayPassword || input.oauth) invalid('--relay-* flags are for --via relay');
  if (input.source !== undefined) {
    if (isIP(input.source) === 0) invalid(`--source ${JSON.stringify(input.source)}: an IP address`);
    identity.source = input.source;
  }
  return identity;
}

function withRelay(identity: NewIdentity, input: IdentityInput, preset: (typeof PRESETS)[keyof typeof PRESETS] | undefined): NewIdentity {
  if (input.source !== undefined) invalid('--source is for --via mta (a relay chooses its own addresses)');
  const host = input.relayHost ?? preset?.host ?? invalid(input.preset === 'esp' ? '--preset esp needs --relay-host' : '--via relay needs --relay-host (or --preset gmail|m365)');
  const port = input.relayPort ?? preset?.port ?? 587;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) invalid('--relay-port must be from 1 to 65535');
  const user = input.relayUser ?? (input.relayPassword || input.oauth ? (identity.from.includes('@') ? identity.from : undefined) : undefined);
  if ((input.relayPassword || input.oauth) && !user) invalid('--relay-user is needed for a domain identity with credentials');
  const relay: RelaySettings = {
    host: host.toLowerCase(), port, tls: input.relayTls ?? preset?.tls ?? 'starttls', verify: input.relayVerify ?? true,
    ...(user ? { user } : {}),
    ...(input.oauth ? { mechanisms: ['XOAUTH2'], oauth: { tokenUrl: input.oauth.tokenUrl, clientId: input.oauth.clientId, ...(input.oauth.scope ? { scope: input.oauth.scope } : {}) } } : {}),
  };
  const secret: IdentitySecret = {
    ...(input.relayPassword ? { password: input.relayPassword } : {}),
    ...(input.oauth ? { refreshToken: input.oauth.refreshToken, ...(input.oauth.clientSecret ? { clientSecret: input.oauth.clientSecret } : {}) } : {}),
  };
  return { ...identity, relay, ...(Object.keys(secret).length > 0 ? { secret } : {}) };
}
