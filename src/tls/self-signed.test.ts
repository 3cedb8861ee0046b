// Tests for self-signed.ts: first start creates the pair with private modes, later starts reuse it,
// and an expired pair or a changed hostname is replaced. A failing assertion fails the test.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, test } from 'node:test';
import { removeTemporaryDirectories, temporaryDirectory } from './cert-fixtures.js';
import { ensureSelfSigned } from './self-signed.js';

after(removeTemporaryDirectories);

const HOST = 'mail.example.test';
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

test('creates a pair for the hostname with private file modes', async () => {
  const dataDir = await temporaryDirectory();
  const outcome = await ensureSelfSigned(HOST, dataDir);
  assert.equal(outcome.created, true);
  assert.equal(outcome.files.cert, `${dataDir}/tls/self-signed.crt`);
  assert.equal(outcome.files.key, `${dataDir}/tls/self-signed.key`);
  assert.equal((await stat(outcome.files.key)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(outcome.files.key))).mode & 0o777, 0o700);

  const certificate = new X509Certificate(await readFile(outcome.files.cert));
  assert.equal(certificate.subjectAltName, `DNS:${HOST}`);
  assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const lifetime = Date.parse(certificate.validTo) - Date.parse(certificate.validFrom);
  assert.ok(Math.abs(lifetime - YEAR_MS) < 2 * 24 * 60 * 60 * 1000, 'valid for about a year');
});

test('a later start reuses the same files', async () => {
  const dataDir = await temporaryDirectory();
  const first = await ensureSelfSigned(HOST, dataDir);
  const before = await stat(first.files.cert);
  const second = await ensureSelfSigned(HOST, dataDir);
  assert.equal(second.created, false);
  assert.equal((await stat(second.files.cert)).mtimeMs, before.mtimeMs);
});

test('an expired pair is replaced', async () => {
  const dataDir = await temporaryDirectory();
  await ensureSelfSigned(HOST, dataDir, new Date(Date.now() - 2 * YEAR_MS));
  const outcome = await ensureSelfSigned(HOST, dataDir);
  assert.equal(outcome.created, true);
  assert.match(outcome.reason, /expired/);
});

test('a pair for another hostname is replaced', async () => {
  const dataDir = await temporaryDirectory();
  await ensureSelfSigned('old.example.test', dataDir);
  const outcome = await ensureSelfSigned(HOST, dataDir);
  assert.equal(outcome.created, true);
  assert.match(outcome.reason, /not for mail\.example\.test/);
  const certificate = new X509Certificate(await readFile(outcome.files.cert));
  assert.equal(certificate.subjectAltName, `DNS:${HOST}`);
});

test('a damaged pair is replaced', async () => {
  const dataDir = await temporaryDirectory();
  const first = await ensureSelfSigned(HOST, dataDir);
  await writeFile(first.files.key, 'damaged');
  const outcome = await ensureSelfSigned(HOST, dataDir);
  assert.equal(outcome.created, true);
  assert.match(outcome.reason, /unusable/);
});
