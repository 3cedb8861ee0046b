// The driver of one SMTP connection: bytes in -> session inputs, session effects -> bytes out, TLS,
// timers and storage. All protocol decisions are in session.ts; this file only moves data.

import type { Socket } from 'node:net';
import { TLSSocket, type TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Credentials } from '../sasl/index.js';
import { LineReader, type LineEvent } from '../wire/line-reader.js';
import { encodeReply, reply, type Reply } from '../wire/reply.js';
import { MessageIntake, type BodyEnd } from './message-intake.js';
import { replaceAuthResults } from '../../auth/auth-results.js';
import type { AuthOutcome, Authenticator, Envelope, InboundAuthenticator, InboundVerdict, MessageSink, MessageWriter } from './ports.js';
import { greeting, handle, initialState } from './session.js';
import type { Effect, SessionContext, SessionInput, TlsInfo } from './session-types.js';

export interface ConnectionOptions {
  ctx: SessionContext;
  sink: MessageSink;
  authenticator: Authenticator;
  /** SPF/DKIM/DMARC before commit; null: no checks (submission, or `inbound.checks: false`). */
  inbound: InboundAuthenticator | null;
  tlsOptions: (() => TlsOptions) | null;
  maxLineLength: number;
  commandTimeoutMs: number;
  dataTimeoutMs: number;
  greetingDelayMs: number;
  normalizeBareLf: boolean;
  log: Logger;
}

/** SASL lines may be far longer than commands (RFC 4954 §4: 12288 octets). */
const AUTH_LINE_LIMIT = 12288;
const ASCII = /^[\x00-\x7f]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const SHUTDOWN: Effect[] = [{ type: 'reply', reply: reply(421, '4.3.2', 'Service shutting down') }, { type: 'close' }];

export class SmtpConnection {
  private readonly state;
  private readonly lines: LineReader;
  private readonly intake: MessageIntake;
  private busy = false;
  private shutdownRequested = false;
  private greeted = false;
  private closed = false;
  private timeoutMs = 0; // the socket's inactivity timeout now in force (0: none)
  private messages = 0;
  private readonly started = Date.now();
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private socket: Socket, tls: TlsInfo | null, private readonly o: ConnectionOptions) {
    this.state = initialState(tls);
    this.lines = new LineReader(Math.max(o.maxLineLength, AUTH_LINE_LIMIT + 2), o.normalizeBareLf);
    this.intake = new MessageIntake(o.sink, o.ctx.config.hostname, o.ctx.config.maxMessageSize, o.normalizeBareLf);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.attach(socket);
    if (o.greetingDelayMs > 0) setTimeout(() => this.greet(), o.greetingDelayMs).unref();
    else this.greet();
  }

  private readonly closeListener = (): void => this.onClose();

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.o.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', this.closeListener);
    socket.on('timeout', () => this.onTimeout());
  }

  private greet(): void {
    if (this.closed) return;
    this.greeted = true;
    this.run(greeting(this.o.ctx));
    this.armTimer();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.greeted) return this.pregreet();
    this.armTimer();
    if (this.intake.reading) this.feedBody(chunk);
    else this.lines.push(chunk);
    this.pump();
  }

  /** A client that talks before the greeting is not a patient SMTP client (RFC 5321 §3.1; postscreen). */
  private pregreet(): void {
    this.o.log.info({ event: 'pregreet' }, 'client talked before the greeting');
    this.run([{ type: 'reply', reply: reply(554, '5.5.0', 'Protocol error: talked before the greeting') }, { type: 'close' }]);
  }

  /** Handle every complete line we hold, unless waiting on an effect or reading a body. */
  private pump(): void {
    this.socket.cork();
    while (!this.busy && !this.closed) {
      if (this.intake.reading) {
        const rest = this.lines.take();
        if (rest.length === 0) break;
        this.feedBody(rest);
        continue;
      }
      const ev = this.lines.next();
      if (ev === null) break;
      this.input(this.toInput(ev));
    }
    this.socket.uncork();
  }

  private toInput(ev: LineEvent): SessionInput {
    if (ev.kind === 'too-long') return { type: 'bad-line', reason: 'too-long' };
    if (ev.kind === 'bare-newline') return { type: 'bad-line', reason: 'bare-newline' };
    const inCommand = this.state.phase.kind === 'command';
    if (inCommand && ev.line.length + 2 > this.o.maxLineLength && !/^auth /i.test(ev.line.subarray(0, 5).toString('latin1'))) {
      return { type: 'bad-line', reason: 'too-long' };
    }
    const latin = ev.line.toString('latin1');
    if (ASCII.test(latin)) return { type: 'line', line: latin };
    try {
      return { type: 'line', line: utf8.decode(ev.line) };
    } catch {
      return { type: 'bad-line', reason: 'invalid-utf8' };
    }
  }

  private input(input: SessionInput): void {
    this.run(handle(this.state, input, this.o.ctx));
  }

  /** Apply effects in order; an asynchronous one suspends the rest until it completes. */
  private run(effects: Effect[]): void {
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i]!;
      if (this.applySync(effect)) continue;
      this.busy = true;
      this.socket.pause();
      this.applyAsync(effect).then(
        (next) => this.resume(effects.slice(i + 1), next),
        (err) => this.fail(err),
      );
      return;
    }
  }

  private resume(rest: Effect[], next: SessionInput | null): void {
    this.busy = false;
    if (this.closed) return;
    if (this.shutdownRequested) rest = [...rest, ...SHUTDOWN];
    this.socket.cork();
    this.run(rest);
    if (next && !this.busy) this.input(next);
    this.socket.uncork();
    if (!this.busy && !this.closed) {
      this.socket.resume();
      this.pump();
    }
  }

  private fail(err: unknown): void {
    this.o.log.error({ err }, 'connection driver failed');
    this.intake.discard();
    this.resume([{ type: 'reply', reply: reply(421, '4.3.0', 'Local error; closing') }, { type: 'close' }], null);
  }

  private applySync(e: Effect): boolean {
    switch (e.type) {
      case 'reply':
        this.logReply(e.reply.code, e.reply.enhanced);
        this.socket.write(encodeReply(e.reply));
        return true;
      case 'receive-data':
        this.intake.startData(e.envelope, this.extended);
        return true;
      case 'receive-bdat': {
        const end = this.intake.startChunk(e.size, e.keep, e.envelope, this.extended);
        if (end) this.finishBody(end);
        return true;
      }
      case 'discard-message':
        this.intake.discard();
        return true;
      case 'flush':
        this.socket.uncork();
        this.socket.cork();
        return true;
      case 'close':
        this.close();
        return true;
      default:
        return false;
    }
  }

  private applyAsync(e: Effect): Promise<SessionInput | null> {
    switch (e.type) {
      case 'check-auth':
        return this.checkAuth(e.credentials);
      case 'commit':
        return this.commit();
      case 'delay':
        return new Promise((resolve) => setTimeout(() => resolve(null), e.ms));
      case 'start-tls':
        return this.startTls();
      default:
        throw new Error(`unhandled effect ${e.type}`);
    }
  }

  private async checkAuth(c: Credentials): Promise<SessionInput> {
    const a = this.o.authenticator;
    const outcome: AuthOutcome =
      c.kind === 'password' ? await a.verifyPassword(c.user, c.password)
      : c.kind === 'cram-md5' ? await a.verifyCramMd5(c.user, c.challenge, c.digest)
      : await a.verifyToken(c.user, c.token);
    this.o.log.info({ event: outcome.ok ? 'auth' : 'auth-failed', user: c.user.slice(0, 256), mechanism: c.kind }, 'authentication');
    return { type: 'auth-checked', outcome };
  }

  private async commit(): Promise<SessionInput> {
    const { writer, envelope } = this.intake.take();
    try {
      const refusal = await this.checkInbound(writer, envelope);
      if (refusal) {
        writer.abort();
        this.o.log.info({ event: 'inbound-refused', code: refusal.code, text: refusal.lines[0] }, 'message refused by policy');
        return { type: 'refused', reply: refusal };
      }
      const id = await writer.commit();
      this.messages++;
      this.o.log.info({ event: 'accepted', id }, 'message accepted');
      return { type: 'stored', id };
    } catch (err) {
      writer.abort(); // does nothing once commit() started: the commit cleans up after itself
      this.o.log.error({ err }, 'storing the message failed');
      return { type: 'store-failed' };
    }
  }

  /** Run the inbound checks and put their header on the message; the refusal if policy says so. */
  private async checkInbound(writer: MessageWriter, envelope: Envelope): Promise<Reply | null> {
    const inbound = this.o.inbound;
    if (!inbound) return null;
    let verdict: InboundVerdict = { header: '' };
    try {
      verdict = await inbound.check(envelope, writer.contents());
    } catch (err) {
      this.o.log.warn({ err }, 'inbound checks failed; the message goes on unmarked');
    }
    // Forged fields claiming our authserv-id go even when our own checks did not run.
    writer.rewriteHeader((header) => replaceAuthResults(header, verdict.header, inbound.authservId));
    return verdict.reject ?? null;
  }

  private get extended(): boolean {
    return this.state.helo?.extended ?? true;
  }

  private feedBody(chunk: Buffer): void {
    const end = this.intake.feed(chunk);
    if (end) this.finishBody(end);
  }

  private finishBody(end: BodyEnd): void {
    if (end.rest.length > 0) this.lines.push(end.rest);
    this.input(end.input);
  }

  private startTls(): Promise<SessionInput | null> {
    this.lines.take(); // RFC 3207 §4.2 / CVE-2011-0411: nothing pipelined before the handshake counts
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.off('close', this.closeListener); // only ours: the listener releases its connection count on this close
    raw.removeAllListeners('timeout');
    raw.setTimeout(0);
    this.timeoutMs = 0;
    raw.uncork();
    const secure = new TLSSocket(raw, { isServer: true, ...this.o.tlsOptions!() });
    this.socket = secure;
    this.attach(secure);
    this.armTimer();
    return new Promise((resolve) => {
      secure.once('secure', () => resolve({ type: 'tls-started', tls: tlsInfo(secure) }));
      secure.once('error', () => this.close());
    });
  }

  /** The socket's own inactivity timer restarts on every read and write; we only pick its length. */
  private armTimer(): void {
    const ms = this.intake.reading ? this.o.dataTimeoutMs : this.o.commandTimeoutMs;
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  private onTimeout(): void {
    if (this.closed) return;
    if (this.busy) return; // a commit or credential check is slow; it ends in a reply or a close
    this.intake.discard();
    this.o.log.info({ event: 'timeout' }, 'idle timeout');
    this.input({ type: 'timeout' });
    this.socket.uncork();
  }

  private logReply(code: number, enhanced: string | null): void {
    if (code >= 400) this.o.log.info({ event: 'reject', code, enhanced }, 'command refused');
  }

  /** Say goodbye to an idle client when the server stops; busy sessions finish their commit first. */
  shutdown(): void {
    if (this.closed) return;
    if (this.busy) this.shutdownRequested = true;
    else this.run(SHUTDOWN);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.setTimeout(0);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private onClose(): void {
    this.closed = true;
    this.socket.setTimeout(0);
    this.intake.discard();
    this.o.log.info({ event: 'disconnect', messages: this.messages, errors: this.state.errors, ms: Date.now() - this.started }, 'disconnected');
    this.resolveDone();
  }
}

export function tlsInfo(s: TLSSocket): TlsInfo {
  return { protocol: s.getProtocol() ?? 'unknown', cipher: s.getCipher()?.name ?? 'unknown' };
}
