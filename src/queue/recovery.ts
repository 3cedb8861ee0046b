// Start-up cleanup of the spool: a file without its messages row was never acknowledged (a crash
// hit mid-DATA or mid-commit), so it goes. Run before accepting mail; I/O errors throw.
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/db.js';
import { isQueueId } from './queue-id.js';
import { ensureSpoolDirectory, spoolRelativePath } from './spool.js';

export interface SpoolRecovery {
  removedFiles: number; // orphan and stray files deleted from the spool
  keptMessages: number; // messages in the queue, all of them acknowledged once
  missingBodies: number; // rows whose spool file is gone (disk damage or manual deletion)
}

/** Remove spool files no committed message refers to. Must not run while a QueueWriter is open. */
export function recoverSpool(db: Db, dataDir: string): SpoolRecovery {
  const dir = ensureSpoolDirectory(dataDir);
  const bodyPathOf = db.prepare('SELECT body_path FROM messages WHERE id = ?').pluck();
  let removedFiles = 0;
  let keptFiles = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) continue; // nothing of ours; not ours to delete either
    const owned = isQueueId(entry.name) && bodyPathOf.get(entry.name) === spoolRelativePath(entry.name);
    if (owned) {
      keptFiles++;
    } else {
      unlinkSync(join(dir, entry.name));
      removedFiles++;
    }
  }
  const spooledRows = db.prepare('SELECT count(*) FROM messages WHERE body_path IS NOT NULL').pluck().get() as number;
  return { removedFiles, keptMessages: countAll(db), missingBodies: spooledRows - keptFiles };
}

function countAll(db: Db): number {
  return db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
}
