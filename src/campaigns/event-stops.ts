// Delivery and report events about campaign sends -> contact stops: a bounce (sync 5xx, DSN, expiry,
// or a suppression found at commit), a complaint (ARF) or an opt-out report. Reads the events table
// after its cursor; each batch's stops and the cursor move commit together.
import type { Db } from '../store/db.js';
import { Cursors } from './cursors.js';
import { CampaignStore } from './store.js';
import type { ContactStops, StopKind } from './stops.js';

const KIND: Record<string, StopKind> = { bounced: 'bounced', expired: 'bounced', suppressed: 'bounced', complained: 'complained', unsubscribed: 'unsubscribed' };
const BATCH = 500;

interface Row { id: number; type: string; at: number; messageId: string | null; text: string | null; code: number | null; enhanced: string | null; reason: string | null; source: string | null }

export class EventStops {
  private readonly cursors: Cursors;
  private readonly store: CampaignStore;
  private readonly next;
  private readonly last;

  constructor(private readonly db: Db, private readonly stops: ContactStops) {
    this.cursors = new Cursors(db);
    this.store = new CampaignStore(db);
    this.next = db.prepare(`SELECT id, type, at, message_id AS messageId, text, code, enhanced, reason, json_extract(data, '$.source') AS source
      FROM events WHERE id > ? AND id <= ? AND type IN ('bounced', 'expired', 'suppressed', 'complained', 'unsubscribed') AND message_id IS NOT NULL
      ORDER BY id LIMIT ${BATCH}`);
    this.last = db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
  }

  /** Apply the events since the cursor; returns how many contacts stopped. */
  drain(): number {
    let stopped = 0;
    // The cursor moves past every event read, matching or not, so a tick never rescans the log.
    const end = this.last.get() as number;
    for (let round = 0; round < 100; round++) {
      const from = this.cursors.get('events', () => 0);
      if (from >= end) break;
      const rows = this.next.all(from, end) as Row[];
      this.db.transaction(() => {
        for (const row of rows) stopped += this.apply(row) ? 1 : 0;
        this.cursors.set('events', rows.length === BATCH ? rows[rows.length - 1]!.id : end);
      })();
    }
    return stopped;
  }

  private apply(row: Row): boolean {
    const send = this.store.sendByMessage(row.messageId!);
    if (!send) return false;
    const reason = [row.code, row.enhanced, row.text ?? row.reason ?? row.type].filter((x) => x !== null).join(' ');
    return this.stops.apply({ send, kind: KIND[row.type]!, reason, at: row.at, source: row.source === 'report' ? 'report' : row.type === 'suppressed' ? 'suppression' : 'delivery' }).stopped;
  }
}
