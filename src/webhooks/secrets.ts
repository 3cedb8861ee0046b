// Signing secrets of endpoints: CLI ones sealed in the table under <dataDir>/keys/secret.key (bound
// to the endpoint id), config ones from the environment. Lookups return null rather than throw.
import { secretKeyPath } from '../store/paths.js';
import { loadOrCreateSecretKey, readSecretKey, seal, unseal } from '../store/seal.js';
import type { Webhook } from './store.js';

/** Seal a new CLI endpoint's secret, creating the key file on first use. */
export function sealWebhookSecret(dataDir: string, id: string, secret: string): string {
  return seal(loadOrCreateSecretKey(secretKeyPath({ dataDir })), secret, `webhook:${id}`);
}

/**
 * A secretOf for the dispatcher and the CLI. The key file is read on first need, since it appears
 * only when the first CLI endpoint is added.
 */
export function secretResolver(dataDir: string, fromConfig: ReadonlyMap<string, string>): (w: Webhook) => string | null {
  let key: Buffer | null = null;
  return (w) => {
    if (w.origin === 'config') return fromConfig.get(w.id) || null;
    key ??= readSecretKey(secretKeyPath({ dataDir }));
    return key === null ? null : unseal(key, w.secret, `webhook:${w.id}`);
  };
}
