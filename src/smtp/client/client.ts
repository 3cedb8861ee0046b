// The outbound SMTP client's entry point: openSession() connects and sets a session up; send() runs
// transactions on it. Remote and network failures are Outcomes; only a bad EHLO name throws (TypeError).
import { Connection } from './connection.js';
import { handshake } from './handshake.js';
import { fromFailure, local } from './outcomes.js';
import { resolveTimeouts } from './timeouts.js';
import { runTransaction } from './transaction.js';
import type { ConnectOptions, OutgoingMessage, Outcome, SessionInfo, TransactionResult } from './types.js';

/** An open, greeted (and, as configured, TLS-protected and authenticated) SMTP session. */
export interface ClientSession {
  readonly info: SessionInfo;
  /** False after a 421, a timeout, a disconnect or a protocol error. */
  readonly usable: boolean;
  /** Transactions started on this connection (a message refused before any command is not one). */
  readonly transactions: number;
  /** One transaction; never rejects. RSET goes before every transaction after the first. */
  send(message: OutgoingMessage): Promise<TransactionResult>;
  /** QUIT with its timeout, then close; never rejects. */
  quit(): Promise<void>;
  destroy(): void;
}

/** What openSession gives: a session, or the outcome every recipient of this attempt gets. */
export type OpenResult = { ok: true; session: ClientSession } | { ok: false; outcome: Outcome };

/** A domain or address literal in printable ASCII: anything else would corrupt the command line. */
const HELO_NAME = /^[\x21-\x7e]{1,255}$/;

/**
 * Connect, read the greeting, EHLO, STARTTLS and AUTH as `opts` says. Any failure gives
 * `{ ok: false, outcome }` (4xx unless the peer said 5xx) with the socket closed.
 * @example
 * const r = await openSession({ host: '192.0.2.1', port: 25, helo: 'out.example', tls: { mode: 'opportunistic', verify: false } });
 * if (r.ok) { const res = await r.session.send(message); await r.session.quit(); }
 */
export async function openSession(opts: ConnectOptions): Promise<OpenResult> {
  if (!HELO_NAME.test(opts.helo)) throw new TypeError(`invalid EHLO name ${JSON.stringify(opts.helo)}`);
  const conn = await Connection.open(opts, resolveTimeouts(opts.timeouts));
  if (!(conn instanceof Connection)) return { ok: false, outcome: fromFailure(conn) };
  const info: SessionInfo = { greeting: '', ...conn.addresses, extensions: new Map(), tls: null, authenticated: false };
  let problem: Outcome | null;
  try {
    problem = await handshake(conn, opts, info);
  } catch (err) {
    problem = local(451, '4.3.0', `local error during session set-up: ${(err as Error).message}`, 'connect');
  }
  if (problem === null) return { ok: true, session: new Session(conn, info) };
  if (conn.alive && problem.code !== 421) conn.write(['QUIT']); // after a 421 the peer is already leaving
  conn.close();
  return { ok: false, outcome: problem };
}

class Session implements ClientSession {
  private count = 0;
  private broken = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly conn: Connection, readonly info: SessionInfo) {}

  get usable(): boolean {
    return !this.broken && this.conn.alive;
  }

  get transactions(): number {
    return this.count;
  }

  /** Calls are queued: one transaction at a time on the connection. */
  send(message: OutgoingMessage): Promise<TransactionResult> {
    const run = this.queue.then(() => this.transaction(message));
    this.queue = run;
    return run;
  }

  private async transaction(message: OutgoingMessage): Promise<TransactionResult> {
    if (!this.usable) return unusable(message, local(451, '4.4.2', 'the connection is no longer usable', 'mail'));
    try {
      const run = await runTransaction(this.conn, this.info.extensions, message, this.count > 0);
      if (run.started) this.count++;
      if (!run.usable) this.broken = true;
      return run.result;
    } catch (err) {
      this.broken = true;
      this.conn.destroy();
      return unusable(message, local(451, '4.3.0', `local error during the transaction: ${(err as Error).message}`, 'mail'));
    }
  }

  async quit(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.usable) {
      this.conn.write(['QUIT']);
      await this.conn.read('quit');
    }
    this.broken = true;
    this.conn.close();
  }

  destroy(): void {
    this.broken = true;
    this.conn.destroy();
  }
}

function unusable(message: OutgoingMessage, o: Outcome): TransactionResult {
  return { recipients: message.recipients.map(() => ({ ...o })), pipelined: false, chunking: false };
}
