// A byte-exact SMTP client for tests: writes exactly the bytes given and parses multi-line replies.
// Every read has a deadline; a closed connection or a timeout rejects with the bytes seen so far.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket, type ConnectionOptions } from 'node:tls';
import assert from 'node:assert/strict';

/** One SMTP reply: `250-a\r\n250 b\r\n` is `{ code: 250, lines: ['a', 'b'] }`. */
export interface Reply {
  code: number;
  lines: string[]; // text after "NNN-" / "NNN "
  text: string; // lines joined by "\n"
  raw: string; // the reply exactly as received
}

export interface RawOptions {
  host?: string; // default 127.0.0.1
  tls?: boolean; // implicit TLS (the submissions role)
  tlsOptions?: ConnectionOptions; // default: no certificate verification
  timeoutMs?: number; // default deadline of read(); 10 s
}

const CRLF = '\r\n';

/** Bytes of the first complete reply in `buf` and how many bytes it used, or null. */
export function parseReply(buf: Buffer): { reply: Reply; used: number } | null {
  let pos = 0;
  const lines: string[] = [];
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) return null;
    const line = buf.subarray(pos, nl).toString('utf8').replace(/\r$/, '');
    pos = nl + 1;
    lines.push(line);
    if (line.length < 4 || line[3] !== '-') break;
  }
  const code = Number(lines[0]!.slice(0, 3));
  const text = lines.map((l) => l.slice(4));
  const raw = buf.subarray(0, pos).toString('utf8');
  return { reply: { code: Number.isFinite(code) ? code : -1, lines: text, text: text.join('\n'), raw }, used: pos };
}

/**
 * e.g. `const c = await RawSmtp.connect(port); await c.expect('220'); await c.cmd('EHLO x', '250');`
 */
export class RawSmtp {
  private socket: Socket | TLSSocket;
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private isClosed = false;
  private error: Error | null = null;
  /** Bytes that were buffered in plaintext when STARTTLS upgraded the connection. */
  plaintextLeftover: Buffer = Buffer.alloc(0);
  readonly timeoutMs: number;

  private constructor(socket: Socket | TLSSocket, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.attach(socket);
  }

  /** Connects and resolves once TCP (and, with `tls`, the handshake) is done. No reply is read. */
  static connect(port: number, opts: RawOptions = {}): Promise<RawSmtp> {
    const host = opts.host ?? '127.0.0.1';
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        sock.off('error', fail);
        resolve(new RawSmtp(sock, timeoutMs));
      };
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      const sock: Socket | TLSSocket = opts.tls
        ? tlsConnect({ host, port, rejectUnauthorized: false, ...opts.tlsOptions }, done)
        : netConnect({ host, port }, done);
      sock.setNoDelay(true);
      sock.once('error', fail);
    });
  }

  private attach(sock: Socket | TLSSocket): void {
    sock.on('data', this.onData);
    sock.on('close', this.onClose);
    sock.on('error', this.onError);
  }

  private detach(sock: Socket | TLSSocket): void {
    sock.off('data', this.onData);
    sock.off('close', this.onClose);
    sock.off('error', this.onError);
  }

  private onData = (b: Buffer): void => {
    this.buf = Buffer.concat([this.buf, b]);
    this.notify();
  };
  private onClose = (): void => {
    this.isClosed = true;
    this.notify();
  };
  private onError = (e: Error): void => {
    this.error = e;
    this.notify();
  };
  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Resolves on the next data, close or error, or after `ms`; returns false on timeout. */
  private waitEvent(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get tlsSocket(): TLSSocket | null {
    return 'encrypted' in this.socket ? (this.socket as TLSSocket) : null;
  }

  /** Unread bytes received so far. */
  get pending(): Buffer {
    return this.buf;
  }

  /** Writes bytes exactly as given; resolves when handed to the kernel (or the socket failed). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.isClosed || this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Writes `line` followed by CRLF. */
  send(line: string): Promise<void> {
    return this.write(line + CRLF);
  }

  /** The next complete reply; rejects on timeout or when the peer closed before one arrived. */
  async read(timeoutMs = this.timeoutMs): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseReply(this.buf);
      if (parsed) {
        this.buf = this.buf.subarray(parsed.used);
        return parsed.reply;
      }
      if (this.isClosed || this.error) {
        const why = this.error ? `error ${this.error.message}` : 'closed';
        throw new Error(`connection ${why} before a reply; unread: ${JSON.stringify(this.buf.toString())}`);
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitEvent(left))) {
        throw new Error(`no reply within ${timeoutMs} ms; unread: ${JSON.stringify(this.buf.toString())}`);
      }
    }
  }

  /** Reads a reply and asserts its code starts with `prefix` ("2", "25", "250", "250 2.1.0"). */
  async expect(prefix: string, context = '', timeoutMs?: number): Promise<Reply> {
    const r = await this.read(timeoutMs);
    const first = r.raw.split('\n')[0]!.replace(/\r$/, '');
    const last = r.raw.trimEnd().split('\n').pop()!.replace(/\r$/, '');
    const ok = prefix.length > 3 ? first.startsWith(prefix) || last.startsWith(prefix) : String(r.code).startsWith(prefix);
    assert.ok(ok, `${context ? context + ': ' : ''}expected ${prefix}, got ${JSON.stringify(r.raw)}`);
    return r;
  }

  /** Sends `line` and expects a reply starting with `prefix`. */
  async cmd(line: string, prefix: string): Promise<Reply> {
    await this.send(line);
    return this.expect(prefix, `reply to ${JSON.stringify(line)}`);
  }

  /** Reads the greeting and EHLO reply; returns the EHLO keywords, upper-cased. */
  async hello(name = 'client.test', greeting = true): Promise<string[]> {
    if (greeting) await this.expect('220', 'greeting');
    const r = await this.cmd(`EHLO ${name}`, '250');
    return r.lines.slice(1).map((l) => l.toUpperCase());
  }

  /** Upgrades to TLS after the caller has read the 220 reply to STARTTLS. */
  async startTls(opts: ConnectionOptions = {}): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    this.plaintextLeftover = this.buf;
    this.buf = Buffer.alloc(0);
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('TLS handshake timed out')), this.timeoutMs);
      const s = tlsConnect({ socket: plain, rejectUnauthorized: false, ...opts }, () => {
        clearTimeout(timer);
        s.off('error', fail);
        resolve(s);
      });
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      s.once('error', fail);
    });
    this.socket = secure;
    this.attach(secure);
  }

  /** Waits for the peer to close; true if it did within `ms` (any unread bytes stay in `pending`). */
  async waitClosed(ms = this.timeoutMs): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.isClosed) {
      if (this.error) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitEvent(left);
    }
    return true;
  }

  /** Reads every reply until the peer closes (bounded by `ms`). */
  async readUntilClosed(ms = this.timeoutMs): Promise<Reply[]> {
    const replies: Reply[] = [];
    const deadline = Date.now() + ms;
    for (let i = 0; i < 10_000; i++) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        replies.push(await this.read(left));
      } catch {
        break;
      }
    }
    return replies;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends QUIT politely if the connection is open, then destroys it. */
export async function quit(c: RawSmtp): Promise<void> {
  if (!c.closed) {
    await c.send('QUIT');
    await c.read(2000).catch(() => undefined);
  }
  c.close();
}
