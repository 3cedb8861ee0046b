// Produces a copy of the configuration that is safe to log: secrets replaced by a fixed mask.
// Pure; never throws and never mutates its input.
import type { PetrelConfig } from './schema.js';

export const SECRET_MASK = '***';

/**
 * The effective config with every token secret masked; env variable names stay visible.
 * @example log.info({ config: maskSecrets(config) }, 'effective configuration')
 */
export function maskSecrets(config: PetrelConfig): PetrelConfig {
  const tokens = config.auth.tokens.map((entry) =>
    entry.token === undefined ? { ...entry } : { ...entry, token: SECRET_MASK },
  );
  return { ...config, auth: { ...config.auth, tokens } };
}
