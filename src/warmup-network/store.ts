// The warmup_mail table: one row per warm-up message (original or in-thread answer), from queueing to
// where it landed. The only SQL of the warm-up network; updates are guarded so a re-read is a no-op.
import type { Db } from '../store/db.js';

export interface WarmupMail {
  tag: string;
  sender: string;
  recipient: string;
  messageId: string | null;
  headerId: string;
  threadTag: string | null;
  sentAt: number;
  receivedAt: number | null;
  folder: string | null;
  placement: 'inbox' | 'spam' | null;
  rescued: boolean;
  flagged: boolean;
  repliedAt: number | null;
}

export interface Arrival {
  receivedAt: number;
  folder: string;
  placement: 'inbox' | 'spam';
  rescued: boolean;
  flagged: boolean;
}

/** Counts per identity since a time: as sender (sent, and where its mail landed) and as recipient. */
export interface WarmupCounts {
  sent: number;
  received: number;
  inbox: number;
  spam: number;
  rescues: number;
}

interface Row {
  tag: string; sender: string; recipient: string; message_id: string | null; header_id: string; thread_tag: string | null;
  sent_at: number; received_at: number | null; folder: string | null; placement: 'inbox' | 'spam' | null;
  rescued: number; flagged: number; replied_at: number | null;
}

const fromRow = (r: Row): WarmupMail => ({
  tag: r.tag, sender: r.sender, recipient: r.recipient, messageId: r.message_id, headerId: r.header_id, threadTag: r.thread_tag,
  sentAt: r.sent_at, receivedAt: r.received_at, folder: r.folder, placement: r.placement, rescued: r.rescued === 1, flagged: r.flagged === 1, repliedAt: r.replied_at,
});

export class WarmupStore {
  constructor(private readonly db: Db) {}

  addSent(m: Pick<WarmupMail, 'tag' | 'sender' | 'recipient' | 'messageId' | 'headerId' | 'threadTag' | 'sentAt'>): void {
    this.db.prepare('INSERT INTO warmup_mail (tag, sender, recipient, message_id, header_id, thread_tag, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(m.tag, m.sender, m.recipient, m.messageId, m.headerId, m.threadTag, m.sentAt);
  }

  get(tag: string): WarmupMail | null {
    const row = this.db.prepare('SELECT * FROM warmup_mail WHERE tag = ?').get(tag) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** Record where it landed; false when it was recorded before (a re-read, or the copy moved to INBOX). */
  markArrived(tag: string, a: Arrival): boolean {
    return this.db.prepare('UPDATE warmup_mail SET received_at = ?, folder = ?, placement = ?, rescued = ?, flagged = ? WHERE tag = ? AND received_at IS NULL')
      .run(a.receivedAt, a.folder, a.placement, a.rescued ? 1 : 0, a.flagged ? 1 : 0, tag).changes > 0;
  }

  /** Claim the answer to `tag`; false when it was answered already. */
  claimReply(tag: string, at: number): boolean {
    return this.db.prepare('UPDATE warmup_mail SET replied_at = ? WHERE tag = ? AND replied_at IS NULL').run(at, tag).changes > 0;
  }

  /** Warm-up originals (not answers) `sender` queued since `since`. */
  originalsSince(sender: string, since: number): number {
    return this.db.prepare('SELECT count(*) FROM warmup_mail WHERE sender = ? AND sent_at >= ? AND thread_tag IS NULL').pluck().get(sender, since) as number;
  }

  /** Messages `sender` sent to each partner since `since`. */
  partnersSince(sender: string, since: number): Map<string, number> {
    const rows = this.db.prepare('SELECT recipient, count(*) AS n FROM warmup_mail WHERE sender = ? AND sent_at >= ? GROUP BY recipient').all(sender, since) as Array<{ recipient: string; n: number }>;
    return new Map(rows.map((r) => [r.recipient, r.n]));
  }

  /** Counts of `identity` since `since`: placement of the mail it sent, rescues its mailbox made. */
  counts(identity: string, since: number): WarmupCounts {
    const sent = this.db.prepare(`SELECT count(*) AS sent FROM warmup_mail WHERE sender = ? AND sent_at >= ?`).get(identity, since) as { sent: number };
    const placed = this.db.prepare(`SELECT coalesce(sum(placement = 'inbox'), 0) AS inbox, coalesce(sum(placement = 'spam'), 0) AS spam
      FROM warmup_mail WHERE sender = ? AND received_at >= ?`).get(identity, since) as { inbox: number; spam: number };
    const got = this.db.prepare('SELECT count(*) AS received, coalesce(sum(rescued), 0) AS rescues FROM warmup_mail WHERE recipient = ? AND received_at >= ?')
      .get(identity, since) as { received: number; rescues: number };
    return { sent: sent.sent, received: got.received, inbox: placed.inbox, spam: placed.spam, rescues: got.rescues };
  }
}
