// Unit tests for keypair.ts: errors that name the bad file, the TLS floor, and SNI selection
// (exact before wildcard, fallback to the first pair). A failing assertion fails the test.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  removeTemporaryDirectories,
  temporaryDirectory,
  writeTestPair,
  type TestPair,
} from './cert-fixtures.js';
import { assertMinVersion, loadKeyPair, pickKeyPair, type LoadedKeyPair } from './keypair.js';

after(removeTemporaryDirectories);

describe('loadKeyPair', () => {
  let dir: string;
  let good: TestPair;
  let other: TestPair;
  before(async () => {
    dir = await temporaryDirectory();
    good = await writeTestPair(dir, 'good', ['mail.example.test']);
    other = await writeTestPair(dir, 'other', ['other.example.test']);
  });

  test('loads a matching pair', async () => {
    const pair = await loadKeyPair(good, 'TLSv1.2');
    assert.equal(pair.certificate.subjectAltName, 'DNS:mail.example.test');
  });

  test('a missing certificate names the file', async () => {
    const missing = join(dir, 'missing.crt');
    await assert.rejects(loadKeyPair({ cert: missing, key: good.key }, 'TLSv1.2'), errorNaming(missing));
  });

  test('a garbled certificate names the file', async () => {
    const garbled = join(dir, 'garbled.crt');
    await writeFile(garbled, '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n');
    await assert.rejects(loadKeyPair({ cert: garbled, key: good.key }, 'TLSv1.2'), errorNaming(garbled));
  });

  test('a garbled key names the file', async () => {
    const garbled = join(dir, 'garbled.key');
    await writeFile(garbled, 'hello');
    await assert.rejects(loadKeyPair({ cert: good.cert, key: garbled }, 'TLSv1.2'), errorNaming(garbled));
  });

  test('a key from another pair is refused, naming both files', async () => {
    await assert.rejects(loadKeyPair({ cert: good.cert, key: other.key }, 'TLSv1.2'), (err: Error) => {
      return err.message.includes(other.key) && err.message.includes(good.cert);
    });
  });
});

describe('assertMinVersion', () => {
  test('accepts TLS 1.2 and 1.3 only', () => {
    assert.doesNotThrow(() => assertMinVersion('TLSv1.2'));
    assert.doesNotThrow(() => assertMinVersion('TLSv1.3'));
    assert.throws(() => assertMinVersion('TLSv1.1'), /TLSv1\.1/);
    assert.throws(() => assertMinVersion('TLSv1'), /TLSv1/);
  });
});

describe('pickKeyPair', () => {
  let pairs: [LoadedKeyPair, ...LoadedKeyPair[]];
  before(async () => {
    const dir = await temporaryDirectory();
    const files = await Promise.all([
      writeTestPair(dir, 'first', ['first.example.test']),
      writeTestPair(dir, 'wild', ['*.example.test']),
      writeTestPair(dir, 'exact', ['mx.example.test']),
    ]);
    const [first, ...rest] = await Promise.all(files.map((pair) => loadKeyPair(pair, 'TLSv1.2')));
    assert.ok(first);
    pairs = [first, ...rest];
  });

  const stemOf = (pair: LoadedKeyPair): string => pair.files.cert.replace(/^.*\/|\.crt$/g, '');

  test('an exact name beats an earlier wildcard', () => {
    assert.equal(stemOf(pickKeyPair(pairs, 'mx.example.test')), 'exact');
    assert.equal(stemOf(pickKeyPair(pairs, 'MX.Example.Test.')), 'exact');
  });

  test('a wildcard covers one label only', () => {
    assert.equal(stemOf(pickKeyPair(pairs, 'smtp.example.test')), 'wild');
    assert.equal(stemOf(pickKeyPair(pairs, 'a.b.example.test')), 'first');
    assert.equal(stemOf(pickKeyPair(pairs, 'example.test')), 'first');
  });

  test('unknown, absent or malformed names fall back to the first pair', () => {
    assert.equal(stemOf(pickKeyPair(pairs, 'mail.elsewhere.test')), 'first');
    assert.equal(stemOf(pickKeyPair(pairs, undefined)), 'first');
    assert.equal(stemOf(pickKeyPair(pairs, '\u0000bad name')), 'first');
  });
});

function errorNaming(file: string): (err: Error) => boolean {
  return (err) => err.message.includes(file);
}
