// The connection to PostgreSQL in cluster mode: a pg Pool with a statement timeout, transactions, and
// one view of "is PostgreSQL reachable" that /readyz, the API and the shared-state loops read.
// Errors of the server or the network reject the caller's promise; nothing here retries on its own.
import pg from 'pg';
import type { StoreConfig } from '../config/schema-cluster.js';

export type Sql = Pick<pg.PoolClient, 'query'>;

export interface Availability {
  up: boolean;
  /** Why not, and since when (ms), while down. */
  error: string | null;
  since: number;
}

export class SharedDb {
  readonly pool: pg.Pool;
  private state: Availability = { up: true, error: null, since: Date.now() };
  private readonly watchers = new Set<(a: Availability) => void>();

  constructor(readonly url: string, opts: { poolSize: number; statementTimeoutMs: number; applicationName: string }) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: opts.statementTimeoutMs,
      application_name: opts.applicationName,
    });
    this.pool.on('error', (err) => this.failed(err)); // an idle client's connection broke
  }

  get availability(): Availability {
    return this.state;
  }

  onAvailability(fn: (a: Availability) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(text, values);
      this.succeeded();
      return r;
    } catch (err) {
      this.judge(err);
      throw err;
    }
  }

  /** Run `fn` in a transaction (READ COMMITTED unless `isolation` says otherwise); rolled back if it throws. */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, isolation?: 'REPEATABLE READ' | 'SERIALIZABLE'): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.failed(err);
      throw err;
    }
    try {
      await client.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation}` : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      this.succeeded();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.judge(err);
      throw err;
    } finally {
      client.release();
    }
  }

  /** A dedicated connection (LISTEN needs one); the caller ends it. */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
    } catch (err) {
      this.failed(err);
      throw err;
    }
    return client;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** Errors a statement raised on a live server (constraint, syntax) say nothing about availability. */
  private judge(err: unknown): void {
    if (isConnectionError(err)) this.failed(err);
  }

  private succeeded(): void {
    if (this.state.up) return;
    this.set({ up: true, error: null, since: Date.now() });
  }

  private failed(err: unknown): void {
    const error = err instanceof Error ? err.message : String(err);
    if (!this.state.up) return;
    this.set({ up: false, error, since: Date.now() });
  }

  private set(state: Availability): void {
    this.state = state;
    for (const fn of this.watchers) fn(state);
  }
}

/** A network failure, a server shutting down or refusing connections, or a timeout: PostgreSQL is away. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (typeof e.code === 'string') {
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH)$/.test(e.code)) return true;
    if (/^(08|57P0[1-3]|53300)/.test(e.code)) return true; // connection exceptions, shutdown, too many connections
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '');
}

/** The URL from `store.postgres` (url, or the variable urlEnv names); throws when the variable is unset. */
export function postgresUrl(store: StoreConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  const p = store.postgres;
  if (!p) return null;
  if (p.url) return p.url;
  const value = env[p.urlEnv!];
  if (!value) throw new Error(`store.postgres.urlEnv: the environment variable ${p.urlEnv} is not set`);
  return value;
}
