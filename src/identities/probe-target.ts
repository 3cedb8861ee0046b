// What `identity test` connects to for a relay identity: its relay's host, port and TLS mode, and its
// credentials unsealed (a password, or an XOAUTH2 token supplier). Null for an mta identity.
import { RelayCredentials } from './relay-auth.js';
import type { IdentityStore } from './store.js';
import type { ProbeTarget } from './probe.js';
import type { Identity } from './types.js';

export function probeTargetOf(store: IdentityStore, identity: Identity): ProbeTarget | null {
  const relay = identity.relay;
  if (identity.via !== 'relay' || !relay) return null;
  const auth = new RelayCredentials(store).authOf(identity);
  return {
    host: relay.host, port: relay.port, tls: relay.tls, verify: relay.verify,
    ...(auth?.user ? { user: auth.user } : {}), ...(auth?.password ? { password: auth.password } : {}),
    ...(auth?.token ? { token: auth.token } : {}), ...(auth?.mechanisms ? { mechanisms: auth.mechanisms } : {}),
  };
}
