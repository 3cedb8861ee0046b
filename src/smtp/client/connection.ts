// The client's thin driver: one TCP (or TLS) socket, command writes, replies read in order with the
// phase's timeout, body streaming with back-pressure. Every failure is returned as a Failure, never thrown.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Reply } from '../wire/reply.js';
import type { Failure } from './outcomes.js';
import { ReplyReader, type ReaderEvent } from './reply-reader.js';
import { closedText, timeoutText } from './timeouts.js';
import { describeTls, tlsOptions, tlsSummary } from './tls-options.js';
import type { ClientTimeouts, ConnectOptions, Phase, SessionInfo } from './types.js';

/** The next reply, or why none will come. */
export type ReadResult = { ok: true; reply: Reply } | { ok: false; failure: Failure };

const BAD_LINE = /[\r\n]/;
const CLOSE_GRACE_MS = 2000;

/** e.g. "mx.example.test[192.0.2.1]:25", for diagnostics. */
export const peerLabel = (o: ConnectOptions): string => `${o.hostname ?? ''}[${o.host}]:${o.port}`;

/** One socket to one peer; see the file header. Commands are written only by the session code above it. */
export class Connection {
  private reader = new ReplyReader();
  private readonly events: ReaderEvent[] = [];
  private closed = false;
  private socketError = '';
  private wake: (() => void) | null = null;
  private writes = 0;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onClose = () => this.gone();
  private readonly onError = (err: Error) => (this.socketError ||= (err as NodeJS.ErrnoException).code ?? err.message);

  private constructor(private socket: Socket, private readonly o: ConnectOptions, readonly timeouts: ClientTimeouts) {
    this.attach(socket);
  }

  /** TCP connect (bound to `localAddress` if given) and, for implicit TLS, the handshake. */
  static async open(o: ConnectOptions, timeouts: ClientTimeouts): Promise<Connection | Failure> {
    const bind = o.localAddress ? { localAddress: o.localAddress } : {};
    const raw = netConnect({ host: o.host, port: o.port, ...bind });
    const problem = await settle(raw, 'connect', timeouts.connect);
    if (problem !== null) {
      raw.destroy();
      const text =
        problem === 'timeout' ? `${timeoutText('connect', timeouts.connect)} to ${peerLabel(o)}` : `connect to ${peerLabel(o)} failed: ${problem}`;
      o.transcript?.({ dir: 'info', text, write: 0 });
      return { kind: 'connect', phase: 'connect', text };
    }
    raw.setNoDelay(true);
    o.transcript?.({ dir: 'info', text: `connected to ${hostPort(raw.remoteAddress ?? o.host, raw.remotePort ?? o.port)}${o.hostname ? ` (${o.hostname})` : ''}`, write: 0 });
    const c = new Connection(raw, o, timeouts);
    if (o.tls.mode !== 'implicit') return c;
    const f = await c.startTls();
    return f ?? c;
  }

  get addresses(): Pick<SessionInfo, 'remoteAddress' | 'remotePort' | 'localAddress'> {
    const s = this.socket;
    return { remoteAddress: s.remoteAddress ?? this.o.host, remotePort: s.remotePort ?? this.o.port, localAddress: s.localAddress ?? '' };
  }

  get alive(): boolean {
    return !this.closed;
  }

  private attach(s: Socket): void {
    s.on('data', this.onData);
    s.on('close', this.onClose);
    s.on('error', this.onError);
  }

  private received(chunk: Buffer): void {
    for (const ev of this.reader.push(chunk)) {
      this.events.push(ev);
      if (ev.kind === 'reply') this.show('S', ev.lines);
      else this.socket.destroy(); // a peer that breaks the protocol gets no more of our bytes
    }
    this.wake?.();
  }

  private gone(): void {
    this.closed = true;
    this.wake?.();
  }

  /**
   * Write command lines in ONE socket write; `shown` replaces them in the transcript (AUTH secrets).
   * A line with CR or LF is a bug upstream (inputs are validated first), so it throws.
   */
  write(lines: readonly string[], shown: readonly string[] = lines): void {
    if (lines.some((l) => BAD_LINE.test(l))) throw new Error('refusing to send a command line with CR or LF');
    if (this.closed) return;
    ++this.writes;
    this.show('C', shown);
    this.socket.write(lines.map((l) => `${l}\r\n`).join(''));
  }

  private show(dir: 'C' | 'S', lines: readonly string[]): void {
    const t = this.o.transcript;
    if (t) for (const text of lines) t({ dir, text, write: this.writes });
  }

  /** The next reply, waiting at most the phase's timeout; a timeout or protocol error kills the connection. */
  async read(phase: Phase): Promise<ReadResult> {
    const ms = this.timeouts[phase];
    const deadline = Date.now() + ms;
    while (this.events.length === 0 && !this.closed) {
      if (!(await this.waitFor(deadline - Date.now()))) {
        this.destroy();
        return { ok: false, failure: { kind: 'timeout', phase, text: timeoutText(phase, ms) } };
      }
    }
    const ev = this.events[0];
    if (ev === undefined) return { ok: false, failure: { kind: 'closed', phase, text: closedText(phase, this.socketError) } };
    if (ev.kind === 'error') return { ok: false, failure: { kind: 'protocol', phase, text: ev.text } }; // stays: sticky
    this.events.shift();
    return { ok: true, reply: ev.reply };
  }

  /** Resolves true when something happened, false when `ms` passed first. */
  private waitFor(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, Math.max(0, ms));
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(true);
      };
    });
  }

  /** Stream body bytes (already encoded); a stall longer than the data-block timeout fails. */
  async writeBody(chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<Failure | null> {
    if (Array.isArray(chunks)) return this.writeAll(chunks as Buffer[]);
    try {
      for await (const chunk of chunks) {
        const f = await this.writeRaw(chunk);
        if (f) return f;
      }
      return null;
    } catch (err) {
      return { kind: 'local', phase: 'data-block', text: `cannot read the message body: ${(err as Error).message}` };
    }
  }

  /** An in-memory body and its end, in one writev. */
  private writeAll(chunks: Buffer[]): Promise<Failure | null> {
    this.socket.cork();
    let last: Promise<Failure | null> = Promise.resolve(null);
    for (const chunk of chunks) last = this.writeRaw(chunk);
    this.socket.uncork();
    return last;
  }

  /** One BDAT command and its chunk, written together. */
  async writeChunk(line: string, data: Buffer): Promise<Failure | null> {
    this.socket.cork();
    this.write([line]);
    const f = this.writeRaw(data);
    this.socket.uncork();
    return f;
  }

  private writeRaw(data: Buffer): Promise<Failure | null> {
    if (this.closed) return Promise.resolve({ kind: 'closed', phase: 'data-block', text: closedText('data-block', this.socketError) });
    if (this.socket.write(data)) return Promise.resolve(null);
    return this.drained();
  }

  private drained(): Promise<Failure | null> {
    const ms = this.timeouts['data-block'];
    return new Promise((resolve) => {
      const done = (f: Failure | null) => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(f);
      };
      const onDrain = () => done(null);
      const onClose = () => done({ kind: 'closed', phase: 'data-block', text: closedText('data-block', this.socketError) });
      const timer = setTimeout(() => {
        this.destroy();
        done({ kind: 'timeout', phase: 'data-block', text: timeoutText('data-block', ms) });
      }, ms);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  /**
   * The TLS handshake over the open socket (after "220" to STARTTLS, or at once for implicit TLS).
   * Bytes the peer sent after its 220 are dropped: they were not protected (CVE-2011-0411 class).
   */
  async startTls(): Promise<Failure | null> {
    const raw = this.socket;
    raw.off('data', this.onData); // its close and error listeners stay: TLS runs over it
    this.reader = new ReplyReader();
    this.events.length = 0;
    const phase: Phase = this.o.tls.mode === 'implicit' ? 'connect' : 'starttls';
    const secure = tlsConnect({ socket: raw, ...tlsOptions(this.o.tls, this.o.host, this.o.hostname) });
    this.socket = secure;
    this.attach(secure);
    const ms = this.timeouts[phase];
    const problem = await settle(secure, 'secureConnect', ms);
    if (problem === null) {
      this.o.transcript?.({ dir: 'info', text: tlsSummary(secure), write: this.writes });
      return null;
    }
    this.destroy();
    const f: Failure =
      problem === 'timeout'
        ? { kind: 'timeout', phase, text: `${timeoutText(phase, ms)} with ${peerLabel(this.o)}` }
        : { kind: 'tls', phase, text: `TLS handshake with ${peerLabel(this.o)} failed: ${problem}` };
    this.o.transcript?.({ dir: 'info', text: f.text, write: this.writes });
    return f;
  }

  /** TLS facts once TLS is up, else null. */
  get tls(): SessionInfo['tls'] {
    return 'encrypted' in this.socket ? describeTls(this.socket as TLSSocket) : null;
  }

  /** Half-close politely; the socket is destroyed if the peer does not close within a grace period. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)": the code says which check failed. */
const withCode = (err: NodeJS.ErrnoException): string => (err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message);

/** "192.0.2.1:25", "[2001:db8::1]:25". */
const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** Wait for `event` on a connecting socket: null on success, 'timeout', or what went wrong. */
function settle(s: Socket, event: 'connect' | 'secureConnect', ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const done = (problem: string | null) => {
      clearTimeout(timer);
      s.off(event, ok);
      s.off('error', bad);
      s.off('close', closed);
      resolve(problem);
    };
    const ok = () => done(null);
    const bad = (err: NodeJS.ErrnoException) => done(event === 'connect' ? (err.code ?? err.message) : withCode(err));
    const closed = () => done('connection closed');
    const timer = setTimeout(() => done('timeout'), ms);
    s.once(event, ok);
    s.once('error', bad);
    s.once('close', closed);
  });
}
