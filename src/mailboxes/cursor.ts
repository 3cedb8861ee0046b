// Folder cursors: where reading a folder resumes. Pure decisions over the stored cursor and what the
// server reports for the folder (UIDVALIDITY, UIDNEXT); the watcher does the I/O.

export interface FolderCursor {
  uidValidity: number;
  /** Every message up to this UID was handled. */
  lastUid: number;
  /** Internal date of the newest handled message (or when watching began), ms. */
  lastDate: number | null;
}

export interface FolderState {
  uidValidity: number;
  uidNext: number;
}

/** A UIDVALIDITY change re-reads from this long before the last date (SEARCH SINCE is by day). */
export const REVALIDATE_MARGIN_MS = 24 * 3600_000;

export type FolderPlan =
  /** Never seen: start after the newest message; the mailbox's history is never read. */
  | { kind: 'start'; cursor: FolderCursor }
  /** Read UIDs above `after`. */
  | { kind: 'continue'; after: number }
  /** The UIDs mean something else now: read what arrived since `since`, skipping what was handled. */
  | { kind: 'revalidate'; since: number; uidValidity: number };

export function planFolder(stored: FolderCursor | null, server: FolderState, now: number): FolderPlan {
  if (!stored) return { kind: 'start', cursor: { uidValidity: server.uidValidity, lastUid: Math.max(server.uidNext - 1, 0), lastDate: now } };
  if (stored.uidValidity !== server.uidValidity) {
    return { kind: 'revalidate', since: (stored.lastDate ?? now) - REVALIDATE_MARGIN_MS, uidValidity: server.uidValidity };
  }
  return { kind: 'continue', after: stored.lastUid };
}

/** Whether a STATUS of a folder that is not selected says it has something new (or was renumbered). */
export function statusMoved(stored: FolderCursor | null, server: FolderState): boolean {
  if (!stored) return true;
  return stored.uidValidity !== server.uidValidity || server.uidNext - 1 > stored.lastUid;
}

/** The cursor once the message (uid, internal date) was handled. */
export function advance(cursor: FolderCursor, uid: number, internalDate: number): FolderCursor {
  return {
    uidValidity: cursor.uidValidity,
    lastUid: Math.max(cursor.lastUid, uid),
    lastDate: Math.max(cursor.lastDate ?? 0, internalDate) || null,
  };
}

/** UIDs to read: above `after`, ascending, without duplicates (UID n:* answers the last UID even below n). */
export function newUids(uids: readonly number[], after: number): number[] {
  return [...new Set(uids.filter((u) => u > after))].sort((a, b) => a - b);
}
