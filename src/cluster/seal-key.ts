// Every node seals secrets with the same keys/secret.key (copied out of band, never stored in
// PostgreSQL); PostgreSQL keeps a fingerprint of it so a node or a migration with another key is refused.
import { createHmac } from 'node:crypto';
import type { SharedDb } from './pg.js';

export function sealKeyPrint(secretKey: Buffer): string {
  return createHmac('sha256', secretKey).update('petrel seal-key check').digest('hex').slice(0, 32);
}

/** Record the key's fingerprint if PostgreSQL has none; throws `mismatch` when it has another one. */
export async function claimSealKey(shared: SharedDb, secretKey: Buffer, mismatch: string): Promise<void> {
  const print = sealKeyPrint(secretKey);
  await shared.query("INSERT INTO cluster_meta (key, value) VALUES ('seal-key', $1) ON CONFLICT (key) DO NOTHING", [print]);
  const { rows } = await shared.query<{ value: string }>("SELECT value FROM cluster_meta WHERE key = 'seal-key'");
  if (rows[0]?.value !== print) throw new Error(mismatch);
}
