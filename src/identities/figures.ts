// Rolling figures of one identity from the attempts it made and the complaints about its mail:
// sends today (its zone), 24-hour sends, deliveries, bounces by class and complaints. Read-only SQL.
import type { Db } from '../store/db.js';
import { dayKey, dayStartOf } from '../pacing/days.js';

const DAY = 86_400_000;

export interface RollingFigures {
  /** Recipient attempts that reached a host, in the window. */
  sent: number;
  delivered: number;
  hardBounces: number;
  /** Soft, rate and expired outcomes. */
  softBounces: number;
  /** Replies classed block (blocklists, spam, reputation). */
  blocks: number;
  complaints: number;
  /** hardBounces / sent, null before the first send. */
  bounceRate: number | null;
  /** complaints / sent, null before the first send. */
  complaintRate: number | null;
}

export class IdentityFigures {
  private readonly rolling;
  private readonly today;
  private readonly complaints;

  constructor(db: Db) {
    this.rolling = db.prepare(
      `SELECT count(*) AS sent,
              coalesce(sum(outcome IN ('delivered', 'relayed')), 0) AS delivered,
              coalesce(sum(class = 'hard'), 0) AS hard,
              coalesce(sum(class IN ('soft', 'rate', 'expired')), 0) AS soft,
              coalesce(sum(class = 'block'), 0) AS blocks
       FROM attempts WHERE identity = ? AND at >= ? AND at <= ?`,
    );
    this.today = db.prepare('SELECT count(*) FROM attempts WHERE identity = ? AND at >= ? AND at <= ?').pluck();
    this.complaints = db.prepare(
      `SELECT count(*) FROM events e JOIN messages m ON m.id = e.message_id
       WHERE e.sending_domain = ? AND e.type = 'complained' AND e.at >= ? AND e.at <= ? AND m.identity = ?`,
    ).pluck();
  }

  /** Sends of `identity` since the start of its day. */
  sentToday(identity: string, zone: string, now: number): number {
    return this.today.get(identity, dayStartOf(dayKey(now, zone), zone), now) as number;
  }

  /** The figures over the 24 hours before `now`, or since `since` when that is later. */
  over24h(identity: { name: string; domain: string }, now: number, since = 0): RollingFigures {
    const from = Math.max(now - DAY, since);
    const r = this.rolling.get(identity.name, from, now) as { sent: number; delivered: number; hard: number; soft: number; blocks: number };
    const complaints = this.complaints.get(identity.domain, from, now, identity.name) as number;
    const rate = (n: number) => (r.sent > 0 ? n / r.sent : null);
    return {
      sent: r.sent, delivered: r.delivered, hardBounces: r.hard, softBounces: r.soft, blocks: r.blocks, complaints,
      bounceRate: rate(r.hard), complaintRate: rate(complaints),
    };
  }
}
