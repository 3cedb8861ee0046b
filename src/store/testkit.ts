// Throw-away data directories with an open database for the store and CLI tests.
// Not used by production code; failures throw like the fs calls they wrap.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from './db.js';
import { StoreError } from './errors.js';

export interface TempStore {
  dataDir: string;
  db: Db;
  /** Close the database if open and delete the directory. */
  cleanup(): void;
}

export function makeTempStore(): TempStore {
  const dataDir = mkdtempSync(join(tmpdir(), 'petrel-store-'));
  const db = openDatabase(join(dataDir, 'petrel.db'));
  return {
    dataDir,
    db,
    cleanup() {
      if (db.open) db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The code of the StoreError `fn` throws; fails the test if it throws anything else or nothing. */
export function storeErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected StoreError, got ${String(err)}`);
    return err.code;
  }
  return assert.fail('expected a StoreError');
}
