// The SQL of open and click tracking: the first open and the first click of a campaign send, by the
// queue id of its message (campaign_sends.opened_at / clicked_at). Later hits change nothing.
import type { Db } from '../store/db.js';

export type TrackedEvent = 'opened' | 'clicked';

export class TrackingStore {
  constructor(private readonly db: Db) {}

  /** Record the first open of the send queued as `queueId`; true when this was the first. */
  markOpened(queueId: string, at: number): boolean {
    return this.mark('opened', queueId, at);
  }

  /** Record the first click of the send queued as `queueId`; true when this was the first. */
  markClicked(queueId: string, at: number): boolean {
    return this.mark('clicked', queueId, at);
  }

  private mark(event: TrackedEvent, queueId: string, at: number): boolean {
    const column = event === 'opened' ? 'opened_at' : 'clicked_at';
    const r = this.db.prepare(`UPDATE campaign_sends SET ${column} = ? WHERE message_id = ? AND ${column} IS NULL`).run(at, queueId);
    return r.changes > 0;
  }
}
