// Test-only helpers for src/tls: throwaway certificates, a TLS echo server, a client handshake and a
// logger that records entries. Failures reject the returned promise; nothing here is used in production.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import type { CertificateStore, TlsLogger } from './certificates.js';
import type { KeyPairFiles } from './keypair.js';

export interface TestPair extends KeyPairFiles {
  certPem: string;
}

const createdDirectories: string[] = [];

/** A fresh directory under the OS temp dir; removeTemporaryDirectories() deletes them all. */
export async function temporaryDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'petrel-tls-'));
  createdDirectories.push(dir);
  return dir;
}

export async function removeTemporaryDirectories(): Promise<void> {
  const dirs = createdDirectories.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A self-signed pair whose SAN lists `names`, written as `<dir>/<stem>.crt` and `.key`. The CN is the
 * stem: a client trusting two pairs with the same subject would look up the wrong one as issuer.
 */
export async function writeTestPair(dir: string, stem: string, names: string[]): Promise<TestPair> {
  const pems = await generate([{ name: 'commonName', value: `petrel test ${stem}` }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) }],
  });
  const files = { cert: join(dir, `${stem}.crt`), key: join(dir, `${stem}.key`) };
  await writeFile(files.key, pems.private, { mode: 0o600 });
  await writeFile(files.cert, pems.cert);
  return { ...files, certPem: pems.cert };
}

/** A tls.Server on 127.0.0.1 that echoes what each client sends; attached to the store for reloads. */
export async function startEchoServer(
  store: CertificateStore,
): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer(store.serverOptions(), (socket) => socket.pipe(socket));
  server.on('tlsClientError', () => {}); // tests observe failures from the client side
  store.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connect and finish the handshake, or reject with the handshake error. */
export function handshake(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Send a line and wait for the echo, proving the session still carries data. */
export function echo(socket: tls.TLSSocket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (data: Buffer) => resolve(data.toString('utf8')));
    socket.once('error', reject);
    socket.write(line);
  });
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** Records every entry; nextEntry() waits for the next entry whose message contains `text`. */
export class RecordingLog implements TlsLogger {
  readonly entries: LogEntry[] = [];
  #waiters: { text: string; resolve: (entry: LogEntry) => void }[] = [];

  info(obj: object, msg: string): void {
    this.#record({ level: 'info', obj, msg });
  }
  warn(obj: object, msg: string): void {
    this.#record({ level: 'warn', obj, msg });
  }
  error(obj: object, msg: string): void {
    this.#record({ level: 'error', obj, msg });
  }

  nextEntry(text: string): Promise<LogEntry> {
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }

  #record(entry: LogEntry): void {
    this.entries.push(entry);
    const ready = this.#waiters.filter((waiter) => entry.msg.includes(waiter.text));
    this.#waiters = this.#waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve(entry);
  }
}
