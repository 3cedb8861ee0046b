// Routing, per recipient domain, in this order: local domains (stored here), transport overrides,
// the smarthost, else MX (RFC 5321 §5.1, implicit MX, null MX, loops back to us) with TLS rules from
// config and MTA-STS. DNS failures become route failures: NXDOMAIN bounces (5.1.2), the rest wait.
import { isIP } from 'node:net';
import type { DeliveryConfig, RelayConfig } from '../config/schema.js';
import { DnsError, type MxRecord, type Resolver } from '../dns/types.js';
import type { ClientAuth, ClientTls } from '../smtp/client/types.js';
import { decideTls, type MtaStsPolicies } from './mta-sts.js';
import { isNullMx, orderMx, withoutSelf } from './mx.js';
import { OAuthTokenSupplier } from './oauth-token.js';
import { routeFailure, type RemoteRoute, type Route, type TargetHost } from './route.js';
import type { TlsSession } from './tls-report.js';

export interface RouterDeps {
  config: DeliveryConfig;
  resolver: Resolver;
  /** Is this one of our local domains (mail for it is stored here)? */
  isLocalDomain: (domain: string) => boolean;
  /** Is this host name or ip:port one of ours (an MX pointing back at us)? */
  isSelf: (host: { name?: string; ip?: string; port?: number }) => boolean;
  mtaSts: MtaStsPolicies | null;
  /** Extra trusted CAs (PEM) from delivery.tls.caFiles. */
  ca: string[];
  /** TLS-RPT: a policy that was announced but could not be had is counted here. */
  recordTls?: (session: TlsSession) => void;
  env?: NodeJS.ProcessEnv;
}

type TlsMode = DeliveryConfig['tls']['mode'];

const POLICY_ERROR = { fetch: 'sts-policy-fetch-error', invalid: 'sts-policy-invalid', webpki: 'sts-webpki-invalid' } as const;

export class Router {
  private readonly smarthost: { relay: RelayConfig; auth?: ClientAuth } | null;
  private readonly transports: Array<{ domain: string; relay: RelayConfig; auth?: ClientAuth }>;

  constructor(private readonly deps: RouterDeps) {
    const env = deps.env ?? process.env;
    const { smarthost, transports } = deps.config;
    this.smarthost = smarthost ? { relay: smarthost, ...authOf(smarthost, env, 'delivery.smarthost') } : null;
    this.transports = transports.map((t, i) => ({ domain: t.domain, relay: t, ...authOf(t, env, `delivery.transports.${i}`) }));
  }

  /** Where mail for `domain` goes now. Never rejects. */
  async route(domain: string): Promise<Route> {
    if (this.deps.isLocalDomain(domain)) return { kind: 'local' };
    const transport = this.transportFor(domain);
    if (transport) return this.relayRoute('transport', transport.relay, transport.auth);
    if (this.smarthost) return this.relayRoute('smarthost', this.smarthost.relay, this.smarthost.auth);
    return this.mxRoute(domain);
  }

  /** The most specific transport: an exact domain, else the longest ".parent" suffix. */
  private transportFor(domain: string) {
    const exact = this.transports.find((t) => t.domain === domain);
    if (exact) return exact;
    const parents = this.transports.filter((t) => t.domain.startsWith('.') && domain.endsWith(t.domain));
    return parents.sort((a, b) => b.domain.length - a.domain.length)[0];
  }

  /** A route to `relay` (a name is resolved with A/AAAA); sessions are keyed by host, port, TLS and user. */
  async relayRoute(via: 'smarthost' | 'transport' | 'identity', relay: RelayConfig, auth?: ClientAuth): Promise<Route> {
    const addresses = await this.addressesOf(relay.host);
    if (!Array.isArray(addresses)) return { ...addresses, via } as Route;
    const tls = relayTls(relay, this.deps.ca);
    const hosts = addresses.map((ip) => ({ name: relay.host, ip, port: relay.port, tls }));
    // Sessions are shared per key, so the key carries everything a session was opened with.
    const key = `relay:${relay.host}:${relay.port}|tls=${relay.tls}:${relay.verify}|auth=${auth?.user ?? ''}`;
    const route: RemoteRoute = { kind: 'remote', via, key, policyDomain: relay.host, hosts, plaintextFallback: relay.tls === 'opportunistic' };
    return auth ? { ...route, auth } : route;
  }

  private async mxRoute(domain: string): Promise<Route> {
    let records: MxRecord[];
    try {
      records = await this.deps.resolver.mx(domain);
    } catch (error) {
      if (!(error instanceof DnsError)) throw error;
      if (error.code === 'NXDOMAIN') return routeFailure(550, '5.1.2', `domain ${domain} does not exist (DNS NXDOMAIN)`);
      if (error.code !== 'NODATA') return routeFailure(451, '4.4.3', `DNS lookup of MX for ${domain} failed: ${error.code}`);
      records = [{ preference: 0, exchange: domain }]; // implicit MX (RFC 5321 §5.1)
    }
    if (isNullMx(records)) return routeFailure(556, '5.1.10', `domain ${domain} accepts no mail (null MX, RFC 7505)`);
    const usable = withoutSelf(orderMx(records), (name) => this.deps.isSelf({ name }));
    if (usable.length === 0) return routeFailure(554, '5.4.6', `mail for ${domain} loops back to myself (MX points to us)`);
    return this.mxHosts(domain, usable);
  }

  private async mxHosts(domain: string, records: MxRecord[]): Promise<Route> {
    const mode = this.tlsModeFor(domain);
    const lookup = this.deps.mtaSts && this.deps.config.mtaSts.enabled ? await this.deps.mtaSts.policyFor(domain) : null;
    const policy = lookup && 'policy' in lookup ? lookup.policy : null;
    if (lookup && 'error' in lookup) this.deps.recordTls?.({ policyDomain: domain, policyType: 'sts', result: POLICY_ERROR[lookup.error] });
    const found: Array<TargetHost & { preference: number }> = [];
    let lastError: Route | null = null;
    let ours: { preference: number; text: string } | null = null;
    for (const mx of records) {
      const sts = decideTls(policy, mx.exchange);
      if (!sts.connect) continue;
      const addresses = await this.addressesOf(mx.exchange);
      if (!Array.isArray(addresses)) { lastError = addresses; continue; }
      for (const ip of addresses) {
        if (this.deps.isSelf({ ip, port: this.deps.config.mxPort })) {
          ours ??= { preference: mx.preference, text: `mail for ${domain} loops back to myself (MX ${mx.exchange} is ${ip})` };
          continue;
        }
        found.push({ name: mx.exchange, ip, port: this.deps.config.mxPort, tls: mxTls(mode, mx.exchange, sts, this.deps.ca), sts, preference: mx.preference });
      }
    }
    // An MX whose address is ours: like one named as us, only strictly better MX hosts may be used.
    const hosts: TargetHost[] = found.filter((h) => ours === null || h.preference < ours.preference).map(({ preference: _p, ...host }) => host);
    if (hosts.length === 0 && ours) return routeFailure(554, '5.4.6', ours.text);
    if (hosts.length === 0) return lastError ?? routeFailure(451, '4.7.5', `no MX host of ${domain} matches its MTA-STS policy`);
    // Domains sharing MX hosts share connections only under the same TLS rules: a session opened
    // for opportunistic TLS must never carry mail that MTA-STS or a verify policy protects.
    const rules = policy && policy.mode !== 'none' ? `|sts:${domain}` : mode !== this.deps.config.tls.mode ? `|tls:${mode}` : '';
    const key = `mx:${[...new Set(records.map((r) => r.exchange))].sort().join(',')}${rules}`;
    return { kind: 'remote', via: 'mx', key, policyDomain: domain, hosts, plaintextFallback: mode === 'opportunistic' && policy?.mode !== 'enforce' };
  }

  private tlsModeFor(domain: string): TlsMode {
    const policies = this.deps.config.tls.policies;
    const exact = policies.find((p) => p.domain === domain);
    return exact?.mode ?? this.deps.config.tls.mode;
  }

  /** IPv6 then IPv4 addresses of a host (or the literal itself); a route failure when there are none. */
  private async addressesOf(host: string): Promise<string[] | Route> {
    if (isIP(host)) return [host];
    const [v6, v4] = await Promise.allSettled([this.deps.resolver.aaaa(host), this.deps.resolver.a(host)]);
    const found = [...(v6.status === 'fulfilled' ? v6.value : []), ...(v4.status === 'fulfilled' ? v4.value : [])];
    if (found.length > 0) return found;
    const errors = [v6, v4].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const absent = errors.every((e) => e instanceof DnsError && e.permanent);
    return absent
      ? routeFailure(451, '4.4.4', `host ${host} has no address (DNS)`)
      : routeFailure(451, '4.4.3', `DNS lookup of ${host} failed: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
  }
}

/** TLS for one MX host: config mode, tightened by an MTA-STS policy. */
function mxTls(mode: TlsMode, name: string, sts: ReturnType<typeof decideTls>, ca: string[]): ClientTls {
  if (sts.requireVerifiedTls) return { mode: 'required', verify: true, servername: name, ca, ...(sts.matchNames ? { matchNames: sts.matchNames } : {}) };
  if (mode === 'verify') return { mode: 'required', verify: true, servername: name, ca };
  return { mode: mode === 'required' ? 'required' : mode, verify: false, servername: name, ca };
}

function relayTls(relay: RelayConfig, ca: string[]): ClientTls {
  const mode = relay.tls === 'starttls' ? 'required' : relay.tls;
  return { mode, verify: relay.verify && mode !== 'none', servername: relay.host, ca };
}

/** Client credentials for a relay, secrets read from the environment once at start. */
function authOf(relay: RelayConfig, env: NodeJS.ProcessEnv, path: string): { auth?: ClientAuth } {
  const a = relay.auth;
  if (!a) return {};
  const secret = (value: string | undefined, name: string | undefined, field: string) => {
    if (value !== undefined) return value;
    if (name === undefined) return undefined;
    const found = env[name];
    if (!found) throw new Error(`${path}.auth.${field}Env: environment variable ${name} is not set`);
    return found;
  };
  const auth: ClientAuth = { user: a.user, ...(a.mechanisms ? { mechanisms: a.mechanisms } : {}) };
  const password = secret(a.password, a.passwordEnv, 'password');
  if (password !== undefined) auth.password = password;
  if (a.oauth) {
    const o = a.oauth;
    const refreshToken = secret(o.refreshToken, o.refreshTokenEnv, 'oauth.refreshToken');
    if (!refreshToken) throw new Error(`${path}.auth.oauth: give refreshToken or refreshTokenEnv`);
    const clientSecret = secret(o.clientSecret, o.clientSecretEnv, 'oauth.clientSecret');
    const supplier = new OAuthTokenSupplier({ tokenUrl: o.tokenUrl, clientId: o.clientId, refreshToken, ...(clientSecret ? { clientSecret } : {}), ...(o.scope ? { scope: o.scope } : {}) });
    auth.token = () => supplier.token();
    auth.invalidate = () => supplier.invalidate();
  }
  return { auth };
}
