// Where each kind of state lives inside the data directory, so serve and the admin commands agree.
// Pure path arithmetic; never touches the file system and never throws.
import { join } from 'node:path';
import type { PetrelConfig } from '../config/schema.js';

type HasDataDir = Pick<PetrelConfig, 'dataDir'>;

/** The SQLite database shared by serve and the admin commands. @example openDatabase(databasePath(config)) */
export function databasePath(config: HasDataDir): string {
  return join(config.dataDir, 'petrel.db');
}

/** Message bodies too large for the database. */
export function spoolDir(config: HasDataDir): string {
  return join(config.dataDir, 'spool');
}

/** Generated self-signed certificate and key. */
export function tlsDir(config: HasDataDir): string {
  return join(config.dataDir, 'tls');
}

/** Directory (mode 0700) holding the key that seals CRAM-MD5 secrets. */
export function keysDir(config: HasDataDir): string {
  return join(config.dataDir, 'keys');
}

export function secretKeyPath(config: HasDataDir): string {
  return join(keysDir(config), 'secret.key');
}
