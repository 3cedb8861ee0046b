// One TCP listener per configured address:port with its role. Enforces connection limits at connect
// (421 4.7.0), wraps implicit-TLS ports, and builds each connection's session context.

import { randomBytes } from 'node:crypto';

/** Session ids: unique per process and cheap (no crypto per connection); the pid keeps them apart across restarts. */
let sessions = 0;
const sessionId = (): string => `${process.pid.toString(36)}-${(++sessions).toString(36)}`;
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { encodeReply } from '../wire/reply.js';
import { AuthFailureLimiter } from './auth-limiter.js';
import { SmtpConnection, tlsInfo } from './connection.js';
import type { Authenticator, Directory, InboundAuthenticator, ListenerRole, MessageSink } from './ports.js';
import { R } from './replies.js';
import type { SessionConfig } from './session-types.js';

export interface ListenerSpec {
  name: string;
  address: string;
  port: number;
  role: ListenerRole;
  greetingDelayMs: number;
  normalizeBareLf: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

export interface ServerDeps {
  hostname: string;
  directory: Directory;
  authenticator: Authenticator;
  sink: MessageSink;
  /** Checks for mail on the MX role; null: none. */
  inbound: InboundAuthenticator | null;
  tlsOptions: () => TlsOptions;
  limits: {
    maxLineLength: number;
    maxRecipients: number;
    maxMessageSize: number;
    maxErrors: number;
    maxConnections: number; // across all listeners
    commandTimeoutMs: number;
    dataTimeoutMs: number;
  };
  auth: { mechanisms: readonly string[]; maxFailures: number; failureDelayMs: number };
  authLimiter: AuthFailureLimiter;
  connections: ConnectionCounter;
  /** Told of every session that opens and closes (Prometheus metrics); optional. */
  metrics?: { opened(role: ListenerRole): void; closed(role: ListenerRole): void };
  log: Logger;
}

/** Connections open, in total and per client IP, across all listeners. */
export class ConnectionCounter {
  total = 0;
  private readonly perIp = new Map<string, number>();

  count(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  add(ip: string): void {
    this.total++;
    this.perIp.set(ip, this.count(ip) + 1);
  }

  remove(ip: string): void {
    this.total--;
    const n = this.count(ip) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }
}

export class SmtpListener {
  private readonly server: Server;
  private readonly open = new Set<SmtpConnection>();
  private config: SessionConfig | null = null; // built once the port is known
  private mine = 0; // connections on this listener, for its own cap

  constructor(readonly spec: ListenerSpec, private readonly deps: ServerDeps) {
    // noDelay: replies are whole and written once per group, so Nagle would only add latency.
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.spec.address, port: this.spec.port, backlog: 1024 }, () => {
        this.server.off('error', reject);
        // From here on an error (say, EMFILE at accept) is logged; before, listen() rejects with it.
        this.server.on('error', (err) => this.deps.log.error({ err, listener: this.spec.name }, 'listener error'));
        resolve();
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : this.spec.port;
  }

  private accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const { connections, log } = this.deps;
    socket.on('error', () => undefined);
    if (this.overLimit(ip)) {
      log.warn({ event: 'connection-limit', ip, listener: this.spec.name }, 'connection refused: limit');
      socket.end(encodeReply(R.tooManyConnections));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    connections.add(ip);
    this.mine++;
    this.deps.metrics?.opened(this.spec.role);
    socket.once('close', () => {
      connections.remove(ip);
      this.mine--;
      this.deps.metrics?.closed(this.spec.role);
    });
    if (this.spec.role === 'submissions') this.acceptTls(socket);
    else this.startSession(socket, null);
  }

  private overLimit(ip: string): boolean {
    const { connections, limits } = this.deps;
    if (connections.total >= limits.maxConnections || this.mine >= this.spec.maxConnections) return true;
    return connections.count(ip) >= this.spec.maxConnectionsPerIp;
  }

  /** Implicit TLS (RFC 8314): the handshake comes first, within the command timeout. */
  private acceptTls(raw: Socket): void {
    const secure = new TLSSocket(raw, { isServer: true, ...this.deps.tlsOptions() });
    const timer = setTimeout(() => raw.destroy(), this.deps.limits.commandTimeoutMs).unref();
    secure.once('secure', () => {
      clearTimeout(timer);
      this.startSession(secure, tlsInfo(secure));
    });
    secure.on('error', (err) => {
      clearTimeout(timer);
      this.deps.log.info({ event: 'tls-failed', err: err.message }, 'TLS handshake failed');
      raw.destroy();
    });
  }

  private startSession(socket: Socket, tls: ReturnType<typeof tlsInfo> | null): void {
    const { deps, spec } = this;
    const ip = socket.remoteAddress ?? 'unknown';
    const log = deps.log.child({ sid: sessionId() });
    log.info({ event: 'connect', ip, port: socket.remotePort, listener: spec.name, role: spec.role }, 'connected');
    const conn = new SmtpConnection(socket, tls, {
      ctx: {
        config: (this.config ??= this.sessionConfig()),
        client: { address: ip.replace(/^::ffff:/, ''), port: socket.remotePort ?? 0 },
        directory: deps.directory,
        now: Date.now,
        nonce: () => randomBytes(12).toString('hex'),
        ipAuthBlocked: () => deps.authLimiter.blocked(ip),
        recordAuthFailure: () => deps.authLimiter.record(ip),
      },
      sink: deps.sink,
      authenticator: deps.authenticator,
      inbound: spec.role === 'mx' ? deps.inbound : null, // submission is vouched for by AUTH
      tlsOptions: deps.tlsOptions,
      maxLineLength: deps.limits.maxLineLength,
      commandTimeoutMs: deps.limits.commandTimeoutMs,
      dataTimeoutMs: deps.limits.dataTimeoutMs,
      greetingDelayMs: spec.greetingDelayMs,
      normalizeBareLf: spec.normalizeBareLf,
      log,
    });
    this.open.add(conn);
    void conn.done.then(() => this.open.delete(conn));
  }

  private sessionConfig(): SessionConfig {
    const { deps, spec } = this;
    return {
      hostname: deps.hostname,
      role: spec.role,
      listener: `${spec.address}:${this.port}`,
      maxRecipients: deps.limits.maxRecipients,
      maxMessageSize: deps.limits.maxMessageSize,
      maxErrors: deps.limits.maxErrors,
      maxAuthFailures: deps.auth.maxFailures,
      authFailureDelayMs: deps.auth.failureDelayMs,
      mechanisms: spec.role === 'mx' ? [] : deps.auth.mechanisms,
      tlsAvailable: true,
    };
  }

  /** Stop accepting, say 421 to idle sessions, wait for busy ones (bounded by `graceMs`). */
  async close(graceMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.open) conn.shutdown();
    const all = Promise.all([...this.open].map((c) => c.done));
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs).unref())]);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 100).unref())]);
  }
}
