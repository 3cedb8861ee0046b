// Produces a copy of the configuration that is safe to log: secrets replaced by a fixed mask.
// Pure; never throws and never mutates its input.
import type { PetrelConfig, RelayConfig } from './schema.js';

export const SECRET_MASK = '***';

/**
 * The effective config with every secret masked (bearer tokens, relay passwords, OAuth client
 * secrets and refresh tokens); env variable names stay visible.
 * @example log.info({ config: maskSecrets(config) }, 'effective configuration')
 */
export function maskSecrets(config: PetrelConfig): PetrelConfig {
  const tokens = config.auth.tokens.map((entry) =>
    entry.token === undefined ? { ...entry } : { ...entry, token: SECRET_MASK },
  );
  const delivery = config.delivery;
  const smarthost = delivery.smarthost ? maskRelay(delivery.smarthost) : undefined;
  return {
    ...config,
    auth: { ...config.auth, tokens },
    delivery: { ...delivery, transports: delivery.transports.map(maskRelay), ...(smarthost ? { smarthost } : {}) },
  };
}

function maskRelay<T extends RelayConfig>(relay: T): T {
  const auth = relay.auth;
  if (!auth) return { ...relay };
  const oauth = auth.oauth && {
    ...auth.oauth,
    ...(auth.oauth.clientSecret !== undefined ? { clientSecret: SECRET_MASK } : {}),
    ...(auth.oauth.refreshToken !== undefined ? { refreshToken: SECRET_MASK } : {}),
  };
  return {
    ...relay,
    auth: { ...auth, ...(auth.password !== undefined ? { password: SECRET_MASK } : {}), ...(oauth ? { oauth } : {}) },
  };
}
