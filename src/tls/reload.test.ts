// Tests for CertificateStore reloads against live listeners: new handshakes see replaced files while
// older sessions keep working, a broken file keeps the old pair, and watch()/SIGHUP trigger reloads.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, rename, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, beforeEach, test } from 'node:test';
import tls from 'node:tls';
import {
  RecordingLog,
  echo,
  handshake,
  removeTemporaryDirectories,
  startEchoServer,
  temporaryDirectory,
  writeTestPair,
  type TestPair,
} from './cert-fixtures.js';
import { CertificateStore } from './certificates.js';
import type { KeyPairFiles } from './keypair.js';

const HOST = 'mail.example.test';
const acceptAnyName = (): undefined => undefined;

let dir: string;
let live: KeyPairFiles;
let older: TestPair;
let newer: TestPair;
let log: RecordingLog;
let store: CertificateStore;
let server: tls.Server;
let port: number;
const openSockets: tls.TLSSocket[] = [];

beforeEach(async () => {
  dir = await temporaryDirectory();
  older = await writeTestPair(dir, 'older', [HOST]);
  newer = await writeTestPair(dir, 'newer', [HOST]);
  live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
  await install(older);
  log = new RecordingLog();
  const settings = { certificates: [live], minVersion: 'TLSv1.2' } as const;
  store = await CertificateStore.load({ tls: settings, hostname: HOST, dataDir: dir, log });
  ({ server, port } = await startEchoServer(store));
});

afterEach(() => {
  for (const socket of openSockets.splice(0)) socket.destroy();
  store.close();
  server.close();
});

after(removeTemporaryDirectories);

/** Put a pair at the configured paths the way renewal tools do: write aside, rename over. */
async function install(pair: TestPair): Promise<void> {
  await copyFile(pair.key, `${live.key}.new`);
  await copyFile(pair.cert, `${live.cert}.new`);
  await rename(`${live.key}.new`, live.key);
  await rename(`${live.cert}.new`, live.cert);
}

async function connect(toPort: number, servername?: string): Promise<tls.TLSSocket> {
  const trust = { ca: [older.certPem, newer.certPem], checkServerIdentity: acceptAnyName };
  const socket = await handshake(toPort, servername ? { ...trust, servername } : trust);
  openSockets.push(socket);
  return socket;
}

function served(socket: tls.TLSSocket): string {
  return socket.getPeerCertificate().fingerprint256;
}

const fingerprintOf = (pair: TestPair): string => new X509Certificate(pair.certPem).fingerprint256;

test('after reload new handshakes get the new pair; an open session keeps working', async () => {
  const before = await connect(port, HOST);
  assert.equal(served(before), fingerprintOf(older));

  await install(newer);
  await store.reload();

  assert.equal(served(await connect(port, HOST)), fingerprintOf(newer), 'with SNI');
  assert.equal(served(await connect(port)), fingerprintOf(newer), 'without SNI (attached server)');
  assert.equal(served(before), fingerprintOf(older));
  assert.equal(await echo(before, 'still here\r\n'), 'still here\r\n');
});

test('a broken file on reload keeps the old pair and reports the file', async () => {
  await writeFile(live.cert, 'not a certificate');
  await store.reload();

  const failure = log.entries.find((entry) => entry.level === 'error');
  assert.ok(failure, 'an error was logged');
  assert.match(String((failure.obj as { err: Error }).err.message), new RegExp(live.cert));
  assert.equal(served(await connect(port, HOST)), fingerprintOf(older));
  assert.equal(served(await connect(port)), fingerprintOf(older));
});

test('STARTTLS sockets built from options fetched before the reload see the new pair', async () => {
  const cachedOptions = store.serverOptions();
  const plain = net.createServer((socket) => {
    const secure = new tls.TLSSocket(socket, { isServer: true, ...cachedOptions });
    secure.on('error', () => {});
    secure.pipe(secure);
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    const plainPort = (plain.address() as AddressInfo).port;
    assert.equal(served(await connect(plainPort)), fingerprintOf(older));
    await install(newer);
    await store.reload();
    assert.equal(served(await connect(plainPort)), fingerprintOf(newer), 'without SNI');
    assert.equal(served(await connect(plainPort, HOST)), fingerprintOf(newer), 'with SNI');
  } finally {
    plain.close();
  }
});

test('watch() reloads when the files are replaced', { timeout: 20_000 }, async () => {
  store.watch();
  const reloaded = log.nextEntry('reloaded');
  await install(newer);
  await reloaded;
  assert.equal(served(await connect(port, HOST)), fingerprintOf(newer));
});

test('SIGHUP reloads, and close() removes the handler', { timeout: 20_000 }, async () => {
  const handlersBefore = process.listenerCount('SIGHUP');
  store.watch();
  assert.equal(process.listenerCount('SIGHUP'), handlersBefore + 1);
  await install(newer);
  const reloaded = log.nextEntry('reloaded');
  process.emit('SIGHUP', 'SIGHUP');
  await reloaded;
  assert.equal(served(await connect(port, HOST)), fingerprintOf(newer));
  store.close();
  assert.equal(process.listenerCount('SIGHUP'), handlersBefore);
});
