// What `petrel mailbox list` and GET /v1/mailboxes show: every identity with an IMAP side, its
// connection state (mailbox_status; "not started" before `petrel serve` first saw it) and folder cursors.
import { IdentityStore } from '../identities/store.js';
import type { Db } from '../store/db.js';
import { MailboxStore } from './store.js';

export interface MailboxView {
  identity: string;
  address: string;
  host: string;
  port: number;
  user: string;
  /** connecting | idle | polling | auth-failed | error | stopped, or null when serve never watched it. */
  state: string | null;
  error: string | null;
  since: number | null;
  retryAt: number | null;
  checkedAt: number | null;
  folders: Array<{ folder: string; uidValidity: number; lastUid: number; lastDate: number | null }>;
}

export function mailboxViews(db: Db): MailboxView[] {
  const store = new MailboxStore(db);
  const statuses = new Map(store.statuses().map((s) => [s.identity, s]));
  return new IdentityStore(db).list().filter((i) => i.imap).map((i) => {
    const s = statuses.get(i.name);
    return {
      identity: i.name,
      address: i.from.includes('@') ? i.from : i.imap!.user,
      host: i.imap!.host,
      port: i.imap!.port,
      user: i.imap!.user,
      state: s?.state ?? null,
      error: s?.error ?? null,
      since: s?.since ?? null,
      retryAt: s?.retryAt ?? null,
      checkedAt: s?.checkedAt ?? null,
      folders: store.folders(i.name).map((f) => ({ folder: f.folder, uidValidity: f.uidValidity, lastUid: f.lastUid, lastDate: f.lastDate })),
    };
  });
}
