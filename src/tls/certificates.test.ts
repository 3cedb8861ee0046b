// End-to-end tests for CertificateStore.load: a real TLS listener serving the self-signed pair, SNI choice
// between configured pairs, the protocol floor and startup errors. A failing assertion fails the test.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type tls from 'node:tls';
import {
  RecordingLog,
  handshake,
  removeTemporaryDirectories,
  startEchoServer,
  temporaryDirectory,
  writeTestPair,
  type TestPair,
} from './cert-fixtures.js';
import { CertificateStore } from './certificates.js';

const HOST = 'mail.example.test';
const acceptAnyName = (): undefined => undefined;

after(removeTemporaryDirectories);

describe('with no certificates configured', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await temporaryDirectory();
  });

  const loadSelfSigned = (log = new RecordingLog()): Promise<CertificateStore> =>
    CertificateStore.load({ tls: { certificates: [], minVersion: 'TLSv1.2' }, hostname: HOST, dataDir, log });

  test('generates a self-signed pair once and says so', async () => {
    const first = await loadSelfSigned();
    assert.equal(first.generatedSelfSigned, true);
    assert.match(first.selfSignedNote ?? '', /generated a self-signed certificate.*mail\.example\.test/);
    const written = await stat(join(dataDir, 'tls', 'self-signed.crt'));

    const second = await loadSelfSigned();
    assert.equal(second.generatedSelfSigned, false);
    assert.match(second.selfSignedNote ?? '', /using the self-signed certificate/);
    assert.equal((await stat(join(dataDir, 'tls', 'self-signed.crt'))).mtimeMs, written.mtimeMs);
  });

  test('serves it to clients that trust it, with and without SNI', async () => {
    const store = await loadSelfSigned();
    const ca = await readFile(join(dataDir, 'tls', 'self-signed.crt'), 'utf8');
    const { server, port } = await startEchoServer(store);
    try {
      const named = await handshake(port, { servername: HOST, ca });
      assert.equal(named.authorized, true);
      assert.equal(named.getPeerCertificate().subjectaltname, `DNS:${HOST}`);
      named.end();
      const unnamed = await handshake(port, { ca, checkServerIdentity: acceptAnyName });
      assert.equal(unnamed.authorized, true);
      unnamed.end();
    } finally {
      server.close();
    }
  });
});

describe('with configured certificates', () => {
  let dir: string;
  let main: TestPair;
  let wildcard: TestPair;
  let store: CertificateStore;
  let server: tls.Server;
  let port: number;
  before(async () => {
    dir = await temporaryDirectory();
    main = await writeTestPair(dir, 'main', [HOST]);
    wildcard = await writeTestPair(dir, 'wildcard', ['*.other.test']);
    const certificates = [main, wildcard].map(({ cert, key }) => ({ cert, key }));
    store = await CertificateStore.load({
      tls: { certificates, minVersion: 'TLSv1.2' },
      hostname: HOST,
      dataDir: dir,
      log: new RecordingLog(),
    });
    ({ server, port } = await startEchoServer(store));
  });
  after(() => server.close());

  const ca = (): string[] => [main.certPem, wildcard.certPem];
  const fingerprintOf = (pair: TestPair): string => new X509Certificate(pair.certPem).fingerprint256;

  test('SNI picks the pair whose name matches, wildcards included', async () => {
    const viaWildcard = await handshake(port, { servername: 'mx.other.test', ca: ca() });
    assert.equal(viaWildcard.getPeerCertificate().fingerprint256, fingerprintOf(wildcard));
    viaWildcard.end();
    const viaExact = await handshake(port, { servername: HOST, ca: ca() });
    assert.equal(viaExact.getPeerCertificate().fingerprint256, fingerprintOf(main));
    viaExact.end();
  });

  test('an unknown name gets the first pair', async () => {
    const options = { servername: 'nowhere.test', ca: ca(), checkServerIdentity: acceptAnyName };
    const socket = await handshake(port, options);
    assert.equal(socket.getPeerCertificate().fingerprint256, fingerprintOf(main));
    socket.end();
  });

  test('a client limited to TLS 1.1 is refused', async () => {
    // SECLEVEL=0 lets the client offer TLS 1.1 at all; the alert code shows the server refused it.
    const legacy = { servername: HOST, ca: ca(), ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    const upToTls11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' } as const;
    const refusedByServer = { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' };
    await assert.rejects(handshake(port, { ...legacy, ...upToTls11 }), refusedByServer);
  });

  test('TLS 1.2 is accepted', async () => {
    const socket = await handshake(port, { servername: HOST, ca: ca(), maxVersion: 'TLSv1.2' });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    socket.end();
  });
});

describe('load errors and the TLS 1.3 floor', () => {
  let dir: string;
  let pair: TestPair;
  before(async () => {
    dir = await temporaryDirectory();
    pair = await writeTestPair(dir, 'pair', [HOST]);
  });

  const load = (cert: string, key: string, minVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<CertificateStore> =>
    CertificateStore.load({
      tls: { certificates: [{ cert, key }], minVersion },
      hostname: HOST,
      dataDir: dir,
      log: new RecordingLog(),
    });

  test('a missing key file is an error naming it', async () => {
    const missing = join(dir, 'absent.key');
    await assert.rejects(load(pair.cert, missing, 'TLSv1.2'), (err: Error) => err.message.includes(missing));
  });

  test('minVersion TLSv1.3 refuses a TLS 1.2 client', async () => {
    const store = await load(pair.cert, pair.key, 'TLSv1.3');
    const { server, port } = await startEchoServer(store);
    try {
      await assert.rejects(handshake(port, { servername: HOST, ca: pair.certPem, maxVersion: 'TLSv1.2' }));
      const modern = await handshake(port, { servername: HOST, ca: pair.certPem });
      assert.equal(modern.getProtocol(), 'TLSv1.3');
      modern.end();
    } finally {
      server.close();
    }
  });

  test('a hostname no certificate covers is warned about', async () => {
    const log = new RecordingLog();
    await CertificateStore.load({
      tls: { certificates: [{ cert: pair.cert, key: pair.key }], minVersion: 'TLSv1.2' },
      hostname: 'mx.elsewhere.test',
      dataDir: dir,
      log,
    });
    const warnings = log.entries.filter((entry) => entry.level === 'warn');
    assert.ok(warnings.some((entry) => entry.msg.includes('covers the hostname')));
  });
});
