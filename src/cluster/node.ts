// One node of a cluster (docs/cluster.md): joins PostgreSQL (schema, registry, seal-key check), gives
// every writing SQLite connection its capture triggers and row-id slot, and keeps three loops going —
// ship this node's writes and events, apply everyone's changes (LISTEN/NOTIFY, polled as a fallback),
// heartbeat. PostgreSQL going away stops none of them: they retry, /readyz says why, and local work
// (acceptance, delivery of admitted mail) carries on with the local copy.
import type pg from 'pg';
import type { Db } from '../store/db.js';
import type { Logger } from '../util/log.js';
import { CoalescedRun } from '../util/coalesce.js';
import { Applier, type Applied } from './mirror/apply.js';
import { prepareClusterConnection } from './prepare.js';
import { Shipper } from './mirror/ship.js';
import { readState, writeState } from './mirror/state.js';
import { MIRRORED_TABLES, ident, tableShapes, type TableShape } from './mirror/tables.js';
import { migrateShared } from './pg-migrate.js';
import { heartbeat, registerNode } from './nodes.js';
import { claimSealKey } from './seal-key.js';
import type { Availability, SharedDb } from './pg.js';

const SHIP_POLL_MS = 100;
const APPLY_POLL_MS = 500;
const HEARTBEAT_MS = 2000;
/** The change log keeps a day; a node away longer starts from a snapshot. Pruned every 10 minutes. */
const CHANGES_KEEP_HOURS = 24;
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_LOCK = 7_283_005;

export interface NodeIdentity {
  name: string;
  /** Known once the HTTP server listens (its port may be chosen then). */
  apiUrl: string | null;
  version: string;
}

export class ClusterNode {
  readonly shapes: TableShape[];
  readonly shipper: Shipper;
  private readonly applier: Applier;
  private readonly shipRun: CoalescedRun;
  private readonly applyRun: CoalescedRun;
  private readonly heartbeatRun: CoalescedRun;
  private listener: pg.Client | null = null;
  private listenRetry: NodeJS.Timeout | null = null;
  private joined = false;
  private prunedAt = 0;
  private closed = false;
  private readonly appliedHooks: Array<(a: Applied) => void> = [];
  slot = -1;

  /**
   * `db` is the node's main connection (it gets capture triggers); `applyDb` a second connection to the
   * same file used only to apply changes.
   */
  constructor(readonly shared: SharedDb, private readonly db: Db, private readonly applyDb: Db, readonly self: NodeIdentity,
    private readonly secretKey: Buffer, private readonly log: Logger, private readonly role: 'serve' | 'cli' = 'serve') {
    this.shapes = tableShapes(db);
    this.shipper = new Shipper(db, shared, this.shapes, self.name);
    this.applier = new Applier(applyDb, shared, this.shapes);
    this.shipRun = new CoalescedRun(() => this.loop('ship', () => this.shipAll()));
    this.applyRun = new CoalescedRun(() => this.loop('apply', () => this.applyAll()));
    this.heartbeatRun = new CoalescedRun(() => this.loop('heartbeat', () => this.beat()));
  }

  get name(): string {
    return this.self.name;
  }

  get availability(): Availability {
    return this.shared.availability;
  }

  /**
   * Join the cluster: schema, registration, key check, first catch-up. With PostgreSQL away, a node that
   * joined before goes on from its local copy (joining again later); one that never joined cannot start.
   */
  async join(): Promise<void> {
    try {
      await this.joinNow();
    } catch (err) {
      const slot = readState(this.db, 'slot');
      if (slot === null || !isUnavailable(this.shared)) throw err;
      this.slot = Number(slot);
      this.log.warn({ event: 'cluster-degraded', error: (err as Error).message }, 'PostgreSQL is unavailable: starting from the local copy of the shared state');
    }
    this.prepare(this.db);
  }

  /** Give a writing connection (the scheduler's, an admin command's) capture triggers and the row-id slot. */
  prepare(db: Db): void {
    prepareClusterConnection(db, this.slot);
  }

  /** Start the loops (serve). An admin command calls join(), works, then flush(). */
  start(): void {
    this.shipRun.every(SHIP_POLL_MS);
    this.applyRun.every(APPLY_POLL_MS);
    this.heartbeatRun.every(HEARTBEAT_MS);
    void this.listen();
  }

  /** Run after changes from other nodes were applied (caches to drop, work to wake). */
  onApplied(fn: (a: Applied) => void): void {
    this.appliedHooks.push(fn);
  }

  wakeShip(): void {
    void this.shipRun.wake();
  }

  /** Bring the local copy up to date now (an admin command before it reads). */
  async catchUp(): Promise<Applied> {
    const applied = await this.applier.catchUp();
    if (applied.changes > 0) for (const fn of this.appliedHooks) fn(applied);
    return applied;
  }

  /** Ship everything this node wrote (an admin command before it exits). */
  async flush(): Promise<void> {
    await this.shipper.drain();
  }

  /** Why shared work cannot run now, or null. */
  notReady(): string | null {
    const a = this.shared.availability;
    if (!a.up) return `PostgreSQL unavailable since ${new Date(a.since).toISOString()}: ${a.error}`;
    if (!this.joined) return 'not yet joined the cluster';
    return null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.listenRetry) clearTimeout(this.listenRetry);
    await Promise.all([this.shipRun.stop(), this.applyRun.stop(), this.heartbeatRun.stop()]);
    await this.shipper.shipOnce().catch(() => undefined); // what the last moments wrote, if PostgreSQL is there
    await this.listener?.end().catch(() => undefined);
    await this.shared.close();
    this.applyDb.close();
  }

  private async joinNow(): Promise<void> {
    await migrateShared(this.shared, this.shapes);
    await this.checkSealKey();
    this.slot = await registerNode(this.shared, this.self, this.role === 'serve');
    const known = readState(this.db, 'slot');
    if (known !== null && Number(known) !== this.slot) throw new Error(`this data directory belonged to slot ${known}, the registry says ${this.slot}`);
    writeState(this.db, 'slot', String(this.slot));
    writeState(this.db, 'node', this.self.name);
    this.refuseUnsharedState();
    await this.shipper.drain(); // writes made while PostgreSQL was away go first...
    await this.catchUp(); // ...then everyone else's
    this.joined = true;
  }

  /** Secrets sealed on one node must open on every other: all nodes need the same keys/secret.key. */
  private async checkSealKey(): Promise<void> {
    await claimSealKey(this.shared, this.secretKey,
      'this node\'s keys/secret.key differs from the cluster\'s: copy keys/secret.key from a node of the cluster into this data directory (docs/cluster.md)');
  }

  /** A data directory with its own users, domains... that never joined would have them overwritten. */
  private refuseUnsharedState(): void {
    if (readState(this.db, 'changes') !== null || readState(this.db, 'migrated') !== null) return;
    for (const t of MIRRORED_TABLES) {
      if (t === 'dashboard_sessions') continue;
      if (this.db.prepare(`SELECT 1 FROM ${ident(t)} LIMIT 1`).get() !== undefined) {
        throw new Error(`this data directory has its own shared state (${t}) that PostgreSQL does not have: run \`petrel migrate-store --to postgres\` first (docs/cluster.md)`);
      }
    }
  }

  private async shipAll(): Promise<void> {
    if (!this.joined) return;
    for (;;) {
      const r = await this.shipper.shipOnce();
      if (r.rows === 0 && r.events === 0) return;
    }
  }

  private async applyAll(): Promise<void> {
    if (!this.joined) return;
    await this.catchUp();
  }

  private async beat(): Promise<void> {
    if (!this.joined) {
      await this.joinNow();
      this.log.info({ event: 'cluster-joined', node: this.name, slot: this.slot }, 'joined the cluster');
      return;
    }
    await heartbeat(this.shared, this.name, this.self.apiUrl);
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await pruneChanges(this.shared);
    }
  }

  /** One pass of a loop; failures are logged once per kind of error, never thrown (the timer retries). */
  private async loop(what: string, pass: () => Promise<void>): Promise<void> {
    if (this.closed) return;
    try {
      await pass();
    } catch (err) {
      if (!isUnavailable(this.shared)) this.log.error({ event: 'cluster-error', loop: what, error: (err as Error).message }, `cluster ${what} failed`);
    }
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.shared.connect();
      client.on('notification', () => void this.applyRun.wake());
      client.on('error', () => this.relisten(client));
      client.on('end', () => this.relisten(client));
      await client.query('LISTEN petrel_changes');
      this.listener = client;
      void this.applyRun.wake(); // changes made while we were not listening
    } catch {
      this.listenRetry = setTimeout(() => void this.listen(), 1000);
      this.listenRetry.unref();
    }
  }

  private relisten(client: pg.Client): void {
    if (this.listener !== client || this.closed) return;
    this.listener = null;
    client.end().catch(() => undefined);
    this.listenRetry = setTimeout(() => void this.listen(), 1000);
    this.listenRetry.unref();
  }
}

/** Drop change-log rows older than a day (one node at a time) and say from where a cursor is too old. */
async function pruneChanges(shared: SharedDb): Promise<void> {
  await shared.tx(async (c) => {
    const { rows: [lock] } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [PRUNE_LOCK]);
    if (!lock!.ok) return;
    const { rows: [r] } = await c.query<{ top: string | null }>(
      `WITH gone AS (DELETE FROM changes WHERE at < now() - make_interval(hours => $1) RETURNING seq) SELECT max(seq) AS top FROM gone`,
      [CHANGES_KEEP_HOURS]);
    if (r?.top == null) return;
    await c.query(`INSERT INTO cluster_meta (key, value) VALUES ('changes-pruned-through', $1)
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(r.top)]);
  });
}

function isUnavailable(shared: SharedDb): boolean {
  return !shared.availability.up;
}
