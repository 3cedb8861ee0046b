// `identity set` and PATCH /v1/identities/:name: the current identity turned back into its add input,
// the changes laid over it, and the result built by buildIdentity, so set and add share every rule.
// Bad input throws StoreError('invalid') naming the flag, as add does.
import { StoreError } from '../store/errors.js';
import { formatRamp } from '../pacing/warmup.js';
import { buildIdentity, type IdentityInput } from './create.js';
import type { Identity, IdentitySecret, NewIdentity } from './types.js';

type OAuthInput = NonNullable<IdentityInput['oauth']>;

/** What may change: any add field but the name; `imap: false` removes the IMAP side. */
export type IdentityPatch = Partial<Omit<IdentityInput, 'name' | 'oauth'>> & { oauth?: Partial<OAuthInput> | undefined };

export interface MergedIdentity {
  identity: NewIdentity;
  /** The whole secret to seal (the current one with the given fields replaced, unused ones dropped). */
  secret: IdentitySecret;
  /** The fields that changed, for `identity set` to print. */
  changed: string[];
}

/** Fields a preset fills: a new preset fills them again unless given. */
const PRESET_FILLED = ['relayHost', 'relayPort', 'relayTls', 'imapHost', 'imapPort', 'imapTls', 'dailyCap', 'hourlyCap', 'minGapSeconds'] as const;

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** `current` as the add input that would have made it (secrets from `secret`). */
export function inputOf(current: Identity, secret: IdentitySecret): IdentityInput {
  const r = current.relay;
  const m = current.imap;
  const oauth = r?.oauth && secret.refreshToken !== undefined
    ? { tokenUrl: r.oauth.tokenUrl, clientId: r.oauth.clientId, scope: r.oauth.scope, refreshToken: secret.refreshToken, clientSecret: secret.clientSecret }
    : undefined;
  return defined({
    name: current.name, from: current.from, via: current.via, preset: current.preset as IdentityInput['preset'],
    relayHost: r?.host, relayPort: r?.port, relayTls: r?.tls, relayUser: r?.user, relayVerify: r?.verify, relayPassword: secret.password, oauth,
    source: current.source, dailyCap: current.dailyCap, hourlyCap: current.hourlyCap, minGapSeconds: current.minGapMs / 1000,
    warmup: current.warmup ? formatRamp(current.warmup) : undefined, timeZone: current.timeZone,
    imap: m ? true : undefined, imapHost: m?.host, imapPort: m?.port, imapTls: m?.tls, imapUser: m?.user, imapVerify: m?.verify,
    imapPassword: m ? secret.imapPassword : undefined, warmupNetwork: current.warmupNetwork,
  }) as IdentityInput;
}

/** The identity `current` becomes with `patch` applied, checked by add's rules. */
export function mergeIdentity(current: Identity, secret: IdentitySecret, patch: IdentityPatch): MergedIdentity {
  const base = inputOf(current, secret);
  dropStale(base, current, patch);
  const given = defined(patch);
  const merged: IdentityInput = { ...base, ...given, name: current.name, oauth: mergeOAuth(base.oauth, patch.oauth) } as IdentityInput;
  if (patch.imap === false) for (const k of ['imap', 'imapHost', 'imapPort', 'imapTls', 'imapUser', 'imapVerify', 'imapPassword'] as const) delete merged[k];
  const identity = buildIdentity(merged);
  const next = secretOf(identity, merged);
  return { identity, secret: next, changed: changes(current, secret, identity, next) };
}

/** Carried values that no longer fit: a new preset's, another route's, a login that was the old address. */
function dropStale(base: IdentityInput, current: Identity, patch: IdentityPatch): void {
  if (patch.preset !== undefined && patch.preset !== current.preset) for (const k of PRESET_FILLED) delete base[k];
  if (patch.via === 'mta') for (const k of ['relayHost', 'relayPort', 'relayTls', 'relayUser', 'relayVerify', 'relayPassword', 'oauth', 'preset'] as const) delete base[k];
  if (patch.via === 'relay') delete base.source;
  if (patch.from !== undefined && patch.from.toLowerCase() !== current.from) {
    if (base.relayUser === current.from) delete base.relayUser;
    if (base.imapUser === current.from) delete base.imapUser;
  }
  if (patch.oauth !== undefined || patch.relayPassword !== undefined) {
    // One way to log in to the relay: a new password ends XOAUTH2 and new OAuth ends the password.
    if (patch.oauth !== undefined) delete base.relayPassword;
    else delete base.oauth;
  }
}

function mergeOAuth(current: OAuthInput | undefined, patch: Partial<OAuthInput> | undefined): OAuthInput | undefined {
  if (!patch) return current;
  const o = { ...current, ...defined(patch) };
  if (!o.tokenUrl || !o.clientId || !o.refreshToken) throw new StoreError('invalid', 'XOAUTH2 needs --oauth-token-url, --oauth-client-id and --oauth-refresh-token-stdin');
  return o as OAuthInput;
}

/** The secret the new identity uses: a relay password or OAuth secrets for a relay, an IMAP password for IMAP. */
function secretOf(identity: NewIdentity, input: IdentityInput): IdentitySecret {
  const relay = identity.via === 'relay';
  return defined({
    password: relay && !input.oauth ? input.relayPassword : undefined,
    refreshToken: relay ? input.oauth?.refreshToken : undefined,
    clientSecret: relay ? input.oauth?.clientSecret : undefined,
    imapPassword: identity.imap ? input.imapPassword : undefined,
  });
}

const SHOWN: Array<[string, (i: NewIdentity | Identity) => unknown]> = [
  ['from', (i) => i.from.toLowerCase()], ['via', (i) => i.via], ['preset', (i) => i.preset], ['relay', (i) => i.relay], ['source', (i) => i.source],
  ['daily cap', (i) => i.dailyCap], ['hourly cap', (i) => i.hourlyCap], ['min gap', (i) => i.minGapMs], ['ceilings', (i) => i.hardCaps],
  ['warm-up', (i) => i.warmup], ['time zone', (i) => i.timeZone], ['imap', (i) => i.imap], ['warm-up network', (i) => i.warmupNetwork ?? false],
];

const SECRET_NAMES: Record<keyof IdentitySecret, string> = { password: 'relay password', imapPassword: 'imap password', refreshToken: 'oauth refresh token', clientSecret: 'oauth client secret' };

function changes(before: Identity, oldSecret: IdentitySecret, after: NewIdentity, newSecret: IdentitySecret): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const fields = SHOWN.filter(([, get]) => !same(get(before), get(after))).map(([label]) => label);
  const secrets = (Object.keys(SECRET_NAMES) as Array<keyof IdentitySecret>).filter((k) => oldSecret[k] !== newSecret[k]).map((k) => SECRET_NAMES[k]);
  return [...fields, ...secrets];
}
