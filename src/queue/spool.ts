// The spool directory (<dataDir>/spool) where large bodies live, and the fsync helpers that make a
// file and its directory entry durable. The async helpers reject with the system error; none retry.
import { close, closeSync, fdatasync, fsync, fsyncSync, mkdirSync, open, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const SPOOL_DIR_NAME = 'spool';

/** Path of a body stored in the database column `body_path`: relative to the data dir. */
export function spoolRelativePath(id: string): string {
  return `${SPOOL_DIR_NAME}/${id}`;
}

export function spoolDirectory(dataDir: string): string {
  return join(dataDir, SPOOL_DIR_NAME);
}

/** Create the spool directory if needed and make its entry in the data dir durable. */
export function ensureSpoolDirectory(dataDir: string): string {
  const dir = spoolDirectory(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openSync(dataDir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return dir;
}

/** Flush a file's data (and the size needed to read it back), then close it; closes on failure too. */
export function syncAndClose(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (syncError) => {
      close(fd, (closeError) => {
        const error = syncError ?? closeError;
        if (error) reject(error);
        else resolve();
      });
    });
  });
}

/** fsync a directory so the files created in it survive a power loss. */
export function syncDirectory(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(dir, 'r', (openError, fd) => {
      if (openError) return reject(openError);
      fsync(fd, (syncError) => {
        close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(error);
          else resolve();
        });
      });
    });
  });
}

/** Remove a file if it exists; cleanup must not turn one failure into another. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or unremovable: recovery at the next start removes orphans.
  }
}

/** Close a descriptor, ignoring errors for the same reason as unlinkQuietly. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // The descriptor is unusable either way.
  }
}
