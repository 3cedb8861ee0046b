// The queue-phase feeder of the outbound bench: a small SMTP client that puts N
// prebuilt messages into a contender's queue over C parallel connections, many
// messages per connection. It can do STARTTLS and AUTH PLAIN (Petrel's submission
// listener needs both; smtp-source can do neither), and it pipelines MAIL, RCPT and
// DATA (RFC 2920) so a message costs two round trips. The feed is not timed as part of
// any contender's figures; it only has to be correct and bounded.

import net from 'node:net';
import tls from 'node:tls';
import { HOST } from './smtp.mjs';

const REPLY_TIMEOUT_MS = 60_000;

/** Reads SMTP replies (possibly multi-line) from a socket that may be upgraded to TLS. */
class ReplyReader {
  constructor() {
    this.buffer = '';
    this.lines = [];
    this.replies = [];
    this.waiters = [];
    this.failure = null;
  }

  attach(socket) {
    // No setEncoding: the plain socket may be handed to TLS after STARTTLS.
    socket.on('data', (chunk) => this.onData(chunk.toString('latin1')));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  onData(chunk) {
    this.buffer += chunk;
    let end;
    while ((end = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      this.lines.push(line);
      // "250-..." continues, "250 ..." (or a bare "250") ends the reply.
      if (line.length < 4 || line[3] !== '-') {
        const reply = { code: Number(line.slice(0, 3)), lines: this.lines };
        this.lines = [];
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(reply);
        else this.replies.push(reply);
      }
    }
  }

  fail(err) {
    if (this.failure) return;
    this.failure = err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  /** The next reply, in order; rejects on a closed connection or after a timeout. */
  next() {
    if (this.replies.length > 0) return Promise.resolve(this.replies.shift());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error(`no reply within ${REPLY_TIMEOUT_MS / 1000} s`));
      }, REPLY_TIMEOUT_MS);
      const entry = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(entry);
    });
  }
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function expect(reader, code, what) {
  const reply = await reader.next();
  if (Math.floor(reply.code / 100) !== Math.floor(code / 100)) {
    throw new Error(`${what}: ${reply.lines.join(' | ')}`);
  }
  return reply;
}

/**
 * Open one session: greeting, EHLO, optionally STARTTLS + EHLO again and AUTH PLAIN.
 * Returns { socket, reader }.
 */
async function openSession(port, { helo, starttls, auth }) {
  let socket = await connect(port);
  let reader = new ReplyReader();
  reader.attach(socket);
  await expect(reader, 220, 'greeting');
  socket.write(`EHLO ${helo}\r\n`);
  let ehlo = await expect(reader, 250, 'EHLO');
  if (starttls) {
    if (!ehlo.lines.some((line) => /^250[ -]STARTTLS\b/i.test(line))) throw new Error('server does not offer STARTTLS');
    socket.write('STARTTLS\r\n');
    await expect(reader, 220, 'STARTTLS');
    socket.removeAllListeners('data');
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    const raw = socket;
    socket = await new Promise((resolve, reject) => {
      // The bench talks to its own Petrel on loopback, with a self-signed certificate.
      const secure = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' }, () => resolve(secure));
      secure.once('error', reject);
    });
    socket.removeAllListeners('error');
    reader = new ReplyReader();
    reader.attach(socket);
    socket.write(`EHLO ${helo}\r\n`);
    ehlo = await expect(reader, 250, 'EHLO after STARTTLS');
  }
  if (auth) {
    const token = Buffer.from(`\0${auth.user}\0${auth.password}`, 'utf8').toString('base64');
    socket.write(`AUTH PLAIN ${token}\r\n`);
    await expect(reader, 235, 'AUTH PLAIN');
  }
  if (!ehlo.lines.some((line) => /^250[ -]PIPELINING\b/i.test(line))) throw new Error('server does not offer PIPELINING');
  return { socket, reader };
}

/**
 * Send `count` messages (message i's wire parts from `parts(i)`, CRLF-terminated and
 * needing no dot-stuffing) from `from` (an address, or a function of i giving message i's
 * MAIL FROM) to `to` over `connections` sessions.
 * Resolves with { accepted, rejected, errors, elapsedS }; `errors` keeps the first few.
 */
export async function feed({
  port,
  count,
  connections = 20,
  parts,
  from,
  to,
  helo = 'feeder.bench.test',
  starttls = false,
  auth = null,
  timeoutMs = 300_000,
}) {
  const started = process.hrtime.bigint();
  const senderOf = typeof from === 'function' ? from : () => from;
  const deadline = Date.now() + timeoutMs;
  let nextIndex = 0;
  let accepted = 0;
  let rejected = 0;
  const errors = [];
  const note = (err) => {
    if (errors.length < 5) errors.push(err.message ?? String(err));
  };

  async function worker() {
    let session;
    try {
      session = await openSession(port, { helo, starttls, auth });
    } catch (err) {
      note(err);
      return;
    }
    const { socket, reader } = session;
    try {
      // Bounded by the shared counter and by the deadline.
      while (nextIndex < count && Date.now() < deadline) {
        const i = nextIndex++;
        socket.write(`MAIL FROM:<${senderOf(i)}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
        const mail = await reader.next();
        const rcpt = await reader.next();
        const data = await reader.next();
        if (mail.code !== 250 || rcpt.code !== 250 || data.code !== 354) {
          rejected++;
          note(new Error(`message ${i}: ${[mail, rcpt, data].map((r) => r.lines.join(' ')).join(' / ')}`));
          if (data.code === 354) {
            socket.write('.\r\n');
            await reader.next();
          }
          socket.write('RSET\r\n');
          await reader.next();
          continue;
        }
        for (const part of parts(i)) socket.write(part);
        socket.write('.\r\n');
        const done = await reader.next();
        if (done.code === 250) accepted++;
        else {
          rejected++;
          note(new Error(`message ${i} after DATA: ${done.lines.join(' ')}`));
        }
      }
      socket.write('QUIT\r\n');
      await reader.next().catch(() => {});
    } catch (err) {
      note(err);
    } finally {
      socket.destroy();
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, Math.min(connections, count)) }, worker));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  if (Date.now() >= deadline && accepted + rejected < count) note(new Error(`feed stopped at the ${timeoutMs / 1000} s limit`));
  return { accepted, rejected, errors, elapsedS };
}
