// A scripted SMTP server on 127.0.0.1 for the client's tests: plain ESMTP answers by default, and
// per-command overrides to refuse, reply oddly, close or go silent. Test support only, not for production.
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/**
 * Reply lines joined by CRLF (without the last one); close (after an optional reply); say nothing;
 * or reply and then stop reading, so the client's writes stall.
 */
export type Answer = string | { close: true; reply?: string } | { hang: true } | { stall: true; reply: string };

/** What the peer saw on one connection. */
export interface PeerSession {
  commands: string[]; // every command line received, in order
  messages: Buffer[]; // DATA bodies as received (still dot-stuffed, without ".\r\n"), or BDAT bytes joined
}

/** How the peer behaves; everything optional. */
export interface Script {
  greeting?: Answer; // default "220 peer.test ESMTP"
  ehlo?: string[]; // EHLO keywords; default PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES
  /** An override per command line; undefined means the default answer. BDAT is asked after its chunk. */
  on?: (line: string, s: PeerSession) => Answer | undefined;
  /** The answer to a complete message (end of DATA, or BDAT LAST); default "250 2.0.0 queued". */
  onMessage?: (body: Buffer, s: PeerSession) => Answer | undefined;
  /** Implicit TLS (port 465 style) with this key pair (PEM); plain TCP without it. */
  tls?: { key: string; cert: string };
}

/** A listening peer: its port, what each connection saw, and close(). */
export interface ScriptedPeer {
  port: number;
  sessions: PeerSession[];
  close(): Promise<void>;
}

/** @example const peer = await startPeer({ on: (l) => (l.startsWith('RCPT') ? '550 5.1.1 no' : undefined) }) */
export async function startPeer(script: Script = {}): Promise<ScriptedPeer> {
  const sockets = new Set<Socket>();
  const sessions: PeerSession[] = [];
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const session: PeerSession = { commands: [], messages: [] };
    sessions.push(session);
    new PeerConnection(socket, script, session).greet();
  };
  const server = script.tls ? createTlsServer(script.tls, onSocket) : createServer(onSocket);
  server.on('tlsClientError', () => undefined); // tests see handshake failures from the client side
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { port, sessions, close };
}

type Mode = { kind: 'command' } | { kind: 'data' } | { kind: 'bdat'; line: string; left: number; last: boolean };

class PeerConnection {
  private buf = Buffer.alloc(0);
  private mode: Mode = { kind: 'command' };
  private chunks: Buffer[] = [];
  private done = false;

  constructor(private readonly socket: Socket, private readonly script: Script, private readonly s: PeerSession) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      while (!this.done && this.step());
    });
  }

  greet(): void {
    this.answer(this.script.greeting ?? '220 peer.test ESMTP');
  }

  /** Handle one unit of input; false when more bytes are needed. */
  private step(): boolean {
    if (this.mode.kind === 'bdat') return this.bdat(this.mode);
    if (this.mode.kind === 'data') return this.data();
    const lf = this.buf.indexOf(0x0a);
    if (lf < 0) return false;
    const line = this.buf.subarray(0, lf).toString('utf8').replace(/\r$/, '');
    this.buf = this.buf.subarray(lf + 1);
    this.s.commands.push(line);
    const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
    if (bdat) {
      this.mode = { kind: 'bdat', line, left: Number(bdat[1]), last: bdat[2] !== undefined };
      return true;
    }
    const a = this.script.on?.(line, this.s) ?? this.defaultAnswer(line);
    if (typeof a === 'string' && a.startsWith('354')) this.mode = { kind: 'data' };
    this.answer(a);
    return true;
  }

  private data(): boolean {
    const end = this.buf.subarray(0, 3).toString('latin1') === '.\r\n' ? -2 : this.buf.indexOf('\r\n.\r\n');
    if (end === -1) return false;
    const body = this.buf.subarray(0, end + 2);
    this.buf = this.buf.subarray(end + 5);
    this.mode = { kind: 'command' };
    this.s.messages.push(Buffer.from(body));
    this.answer(this.script.onMessage?.(body, this.s) ?? '250 2.0.0 queued');
    return true;
  }

  private bdat(m: Extract<Mode, { kind: 'bdat' }>): boolean {
    const take = Math.min(m.left, this.buf.length);
    this.chunks.push(Buffer.from(this.buf.subarray(0, take)));
    this.buf = this.buf.subarray(take);
    m.left -= take;
    if (m.left > 0) return false;
    this.mode = { kind: 'command' };
    const own = this.script.on?.(m.line, this.s);
    if (!m.last) {
      this.answer(own ?? '250 2.0.0 chunk received');
      return true;
    }
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.s.messages.push(body);
    this.answer(own ?? this.script.onMessage?.(body, this.s) ?? '250 2.0.0 queued');
    return true;
  }

  private defaultAnswer(line: string): Answer {
    const verb = line.split(' ')[0]!.toUpperCase();
    const ehlo = this.script.ehlo ?? ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'];
    const answers: Record<string, Answer> = {
      EHLO: ['250-peer.test', ...ehlo.map((k, i) => `250${i === ehlo.length - 1 ? ' ' : '-'}${k}`)].join('\r\n').replace(/^250-peer.test$/, '250 peer.test'),
      HELO: '250 peer.test',
      MAIL: '250 2.1.0 ok',
      RCPT: '250 2.1.5 ok',
      DATA: '354 go ahead',
      RSET: '250 2.0.0 ok',
      NOOP: '250 2.0.0 ok',
      AUTH: '235 2.7.0 ok',
      STARTTLS: '454 4.7.0 TLS not available',
      QUIT: { close: true, reply: '221 2.0.0 bye' },
    };
    return answers[verb] ?? '500 5.5.2 unknown command';
  }

  private answer(a: Answer): void {
    if (typeof a === 'string') {
      this.socket.write(`${a}\r\n`);
    } else if ('close' in a) {
      this.done = true;
      if (a.reply !== undefined) this.socket.write(`${a.reply}\r\n`);
      this.socket.end();
    } else if ('stall' in a) {
      this.done = true;
      this.socket.write(`${a.reply}\r\n`);
      this.socket.pause();
    }
  }
}
