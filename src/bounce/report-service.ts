// The report service: reads inbound mail marked 'report' (bounces to tagged return paths, and DSNs or
// feedback reports reaching local mailboxes), parses it, and records what it says about mail we sent:
// bounced/deferred/complained/unsubscribed events and suppressions, in one transaction with the mark
// cleared (the mail stays 'stored'). A crash before that transaction means the report is read again.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { parseReport } from './report/index.js';
import { ReportMatcher } from './report-match.js';
import { reportConsequences, ReportRecorder } from './report-record.js';
import type { ReturnPaths } from './verp.js';
import { CoalescedRun } from '../util/coalesce.js';

/** Reports are small; a returned original beyond this is not needed to read them. */
const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const BATCH = 50;

export interface ReportServiceDeps {
  db: Db;
  dataDir: string;
  returnPaths: Pick<ReturnPaths, 'messageIdOf'>;
  /** Also read null-sender mail and abuse@/fbl@ mail (bounces.scanMailboxes). */
  scanMailboxes: boolean;
  log: Logger;
  now?: () => number;
  pollIntervalMs?: number;
}

interface Pending {
  messageId: string;
  envelope: string;
  body: Buffer | null;
  bodyPath: string | null;
}

export class ReportService {
  private readonly pending;
  private readonly done;
  private readonly recorder;
  private readonly matcher;
  private readonly now: () => number;
  private readonly runner = new CoalescedRun(() => this.drain());

  constructor(private readonly deps: ReportServiceDeps) {
    const { db } = deps;
    this.now = deps.now ?? Date.now;
    this.pending = db.prepare(
      `SELECT m.id AS messageId, m.envelope, m.body, m.body_path AS bodyPath FROM messages m
       WHERE m.id IN (SELECT DISTINCT message_id FROM recipients WHERE state = 'report' LIMIT ${BATCH})`,
    );
    this.done = db.prepare(`UPDATE recipients SET state = 'stored' WHERE message_id = ? AND state = 'report'`);
    this.recorder = new ReportRecorder(db);
    this.matcher = new ReportMatcher(db);
  }

  start(): void {
    this.runner.every(this.deps.pollIntervalMs ?? 5000);
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Read pending reports soon; calls while running are coalesced into one more pass. */
  wake(): Promise<void> {
    return this.runner.wake();
  }

  private async drain(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const rows = this.pending.all() as Pending[];
      if (rows.length === 0) return;
      for (const row of rows) await this.process(row);
    }
  }

  private async process(row: Pending): Promise<void> {
    const { log } = this.deps;
    try {
      const envelope = JSON.parse(row.envelope) as Envelope;
      const tagged = envelope.recipients.map((r) => this.deps.returnPaths.messageIdOf(r.address)).find((id) => id) ?? null;
      const read = tagged !== null || this.deps.scanMailboxes;
      const report = read ? await parseReport(this.head(row)) : null;
      const match = report && report.kind !== 'other' ? this.matcher.match(report, tagged) : null;
      const { events, suppressions } = match && report ? reportConsequences(report, match, row.messageId, this.now()) : { events: [], suppressions: [] };
      this.deps.db.transaction(() => {
        this.recorder.write({ events, suppressions });
        this.done.run(row.messageId);
      })();
      if (report && report.kind !== 'other') {
        log.info({ event: 'report-read', report: row.messageId, kind: report.kind, about: match?.messageId ?? null, events: events.length, suppressed: suppressions.length },
          match ? 'report matched to a message we sent' : 'report names no message we sent; ignored');
      }
    } catch (error) {
      // Never retry forever on one bad mail: log it, leave it stored, go on.
      log.error({ event: 'report-failed', report: row.messageId, err: error }, 'could not read a report');
      this.done.run(row.messageId);
    }
  }

  private head(row: Pending): Buffer {
    if (row.bodyPath === null) return (row.body ?? Buffer.alloc(0)).subarray(0, MAX_REPORT_BYTES);
    const fd = openSync(join(this.deps.dataDir, row.bodyPath), 'r');
    try {
      const buf = Buffer.alloc(MAX_REPORT_BYTES);
      return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  }
}
