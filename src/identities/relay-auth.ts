// The relay of a relay identity as the router takes it: host, port and TLS, and client credentials
// from the sealed secret — a password, or an XOAUTH2 token supplier kept per identity so its token
// is cached between sessions. A relay identity without secrets gets no AUTH.
import type { RelayConfig } from '../config/schema.js';
import { OAuthTokenSupplier } from '../delivery/oauth-token.js';
import type { ClientAuth } from '../smtp/client/types.js';
import type { IdentityStore } from './store.js';
import type { Identity } from './types.js';

export class RelayCredentials {
  private readonly cache = new Map<string, { version: string; auth: ClientAuth | undefined }>();

  constructor(private readonly store: IdentityStore) {}

  /** The relay (host, port, TLS) of a relay identity; null for an mta identity. */
  relayOf(identity: Identity): RelayConfig | null {
    const r = identity.relay;
    if (identity.via !== 'relay' || !r) return null;
    return { host: r.host, port: r.port, tls: r.tls, verify: r.verify };
  }

  /** Credentials for `identity`'s relay, reused while the identity's relay settings are unchanged. */
  authOf(identity: Identity): ClientAuth | undefined {
    const r = identity.relay;
    // Cheap per job (this runs for every job of the identity): the fields a session depends on.
    const version = r ? `${r.host}|${r.port}|${r.tls}|${r.user ?? ''}|${r.oauth?.tokenUrl ?? ''}|${r.oauth?.clientId ?? ''}|${identity.changedAt ?? identity.createdAt}|${identity.secretVersion ?? ''}` : '';
    const hit = this.cache.get(identity.name);
    if (hit && hit.version === version) return hit.auth;
    const auth = this.build(identity);
    this.cache.set(identity.name, { version, auth });
    return auth;
  }

  private build(identity: Identity): ClientAuth | undefined {
    const r = identity.relay;
    if (!r?.user) return undefined;
    const secret = this.store.secretOf(identity.name);
    const auth: ClientAuth = { user: r.user, ...(r.mechanisms ? { mechanisms: r.mechanisms } : {}) };
    if (secret.password !== undefined) auth.password = secret.password;
    if (r.oauth && secret.refreshToken) {
      const supplier = new OAuthTokenSupplier({
        tokenUrl: r.oauth.tokenUrl, clientId: r.oauth.clientId, refreshToken: secret.refreshToken,
        ...(secret.clientSecret ? { clientSecret: secret.clientSecret } : {}), ...(r.oauth.scope ? { scope: r.oauth.scope } : {}),
      });
      auth.token = () => supplier.token();
      auth.invalidate = () => supplier.invalidate();
    }
    return auth;
  }
}
