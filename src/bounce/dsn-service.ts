// The bounce service: turns recipients marked dsn_pending into DSNs (one per message and kind),
// queues each with a null sender through the one queue writer, then clears the marks. A crash
// between the two may send a DSN twice, never lose it. DSNs are never sent for a null sender.
import type { Readable } from 'node:stream';
import type { DeliveryStore } from '../queue/delivery-store.js';
import type { QueueWriter } from '../queue/writer.js';
import type { Envelope } from '../smtp/server/ports.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { composeDsn, type DsnRecipient } from './dsn.js';
import { dsnWanted, type DsnKind } from './dsn-policy.js';
import { CoalescedRun } from '../util/coalesce.js';

interface PendingRow {
  rowid: number;
  messageId: string;
  address: string;
  orcpt: string | null;
  notify: string | null;
  state: string;
  code: number | null;
  enhanced: string | null;
  text: string | null;
  remote: number;
  mta: string | null;
  lastAttemptAt: number | null;
}

export interface DsnServiceDeps {
  db: Db;
  store: DeliveryStore;
  queue: QueueWriter;
  hostname: string;
  /** How long a delayed recipient may still be retried (for Will-Retry-Until). */
  maxLifetimeMs: number;
  log: Logger;
  /** Read at most this much of an original; larger ones are returned as headers only. */
  maxOriginalBytes?: number;
}

const BATCH = 200;

export class DsnService {
  private readonly runner = new CoalescedRun(() => this.drain());
  private readonly pending;
  private readonly clear;

  constructor(private readonly deps: DsnServiceDeps) {
    this.pending = deps.db.prepare(
      `SELECT rowid, message_id AS messageId, address, orcpt, notify, state, last_code AS code,
              last_enhanced AS enhanced, last_text AS text, last_remote AS remote, last_mta AS mta,
              last_attempt_at AS lastAttemptAt
       FROM recipients WHERE dsn_pending = 1 ORDER BY message_id, idx LIMIT ${BATCH}`,
    );
    this.clear = deps.db.prepare(
      `UPDATE recipients SET dsn_pending = 0, delay_notified = delay_notified OR ? WHERE rowid = ?`,
    );
  }

  /** Process pending DSNs soon; calls while running are coalesced into one more pass. */
  wake(): Promise<void> {
    return this.runner.wake();
  }

  private async drain(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const rows = this.pending.all() as PendingRow[];
      if (rows.length === 0) return;
      for (const group of groupByReport(rows)) {
        try {
          await this.report(group.kind, group.rows);
        } catch (error) {
          this.deps.log.error({ event: 'dsn-failed', err: error, message: group.rows[0]!.messageId }, 'could not queue a DSN; will retry');
          return; // the marks stay; the next wake tries again
        }
      }
    }
  }

  private async report(kind: DsnKind, rows: PendingRow[]): Promise<void> {
    const message = this.deps.store.loadMessage(rows[0]!.messageId);
    const wanted = message ? rows.filter((r) => dsnWanted(kind, message.envelope.sender, r.notify?.split(','))) : [];
    if (message && wanted.length > 0) {
      const { data, truncated } = await readBounded(message.body(), this.deps.maxOriginalBytes ?? 10 * 1024 * 1024);
      const env = message.envelope;
      const dsn = composeDsn({
        reportingMta: this.deps.hostname,
        originalSender: env.sender,
        ...(env.envid ? { envid: env.envid } : {}),
        ...(truncated ? { ret: 'HDRS' as const } : env.ret ? { ret: env.ret } : {}),
        arrivalDate: message.receivedAt,
        recipients: wanted.map((r) => dsnRecipient(kind, r, message.receivedAt + this.deps.maxLifetimeMs)),
        original: data,
        smtputf8: env.smtputf8,
      });
      const id = await this.enqueue(env.sender, dsn);
      this.deps.log.info({ event: 'dsn-queued', kind, dsn: id, message: rows[0]!.messageId, recipients: wanted.length }, 'queued a delivery status notification');
    }
    this.deps.db.transaction(() => { for (const r of rows) this.clear.run(kind === 'delay' ? 1 : 0, r.rowid); })();
  }

  private async enqueue(to: string, dsn: ReturnType<typeof composeDsn>): Promise<string> {
    const envelope: Envelope = {
      sender: '',
      recipients: [{ address: to }],
      body: dsn.bodyType,
      smtputf8: dsn.smtputf8,
      authUser: null,
      client: { address: '127.0.0.1', port: 0, helo: this.deps.hostname },
      tls: null,
      role: 'local',
      listener: 'dsn',
      receivedAt: Date.now(),
    };
    const writer = this.deps.queue.open(envelope);
    writer.write(dsn.message);
    return writer.commit();
  }
}

const FAILED_STATES = new Set(['bounced', 'expired']);
const SUCCESS_STATES = new Set(['delivered', 'relayed']);

function kindOf(state: string): DsnKind {
  if (FAILED_STATES.has(state)) return 'failure';
  if (SUCCESS_STATES.has(state)) return 'success';
  return 'delay';
}

/** Rows of one message and one kind of report. */
function groupByReport(rows: PendingRow[]): Array<{ kind: DsnKind; rows: PendingRow[] }> {
  const groups = new Map<string, { kind: DsnKind; rows: PendingRow[] }>();
  for (const row of rows) {
    const kind = kindOf(row.state);
    const key = `${row.messageId}\0${kind}`;
    const group = groups.get(key) ?? { kind, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function dsnRecipient(kind: DsnKind, r: PendingRow, retryUntil: number): DsnRecipient {
  const action = kind === 'failure' ? 'failed' : kind === 'delay' ? 'delayed' : r.state === 'relayed' ? 'relayed' : 'delivered';
  const status = r.state === 'expired' ? '4.4.7' : r.enhanced ?? (kind === 'success' ? '2.0.0' : kind === 'delay' ? '4.0.0' : '5.0.0');
  const out: DsnRecipient = { finalRecipient: r.address, action, status };
  if (r.orcpt) out.originalRecipient = r.orcpt;
  if (r.mta) out.remoteMta = r.mta;
  if (r.code !== null && r.text !== null) {
    out.diagnostic = { code: r.code, text: r.text, remote: r.remote === 1, ...(r.enhanced ? { enhanced: r.enhanced } : {}) };
  }
  if (r.lastAttemptAt !== null) out.lastAttemptAt = r.lastAttemptAt;
  if (kind === 'delay') out.willRetryUntil = retryUntil;
  return out;
}

/** Up to `limit` bytes of a stream; truncated when there was more. */
async function readBounded(stream: Readable, limit: number): Promise<{ data: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (size + chunk.length > limit) {
        chunks.push(chunk.subarray(0, limit - size));
        return { data: Buffer.concat(chunks), truncated: true };
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    stream.destroy();
  }
  return { data: Buffer.concat(chunks), truncated: false };
}
