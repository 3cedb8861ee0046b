// Petrel serves the MTA-STS policy of its sending domains over HTTPS (RFC 8461 §3.3): curl asks for
// https://mta-sts.<domain>/.well-known/mta-sts.txt on the mtaStsServer port; other names get 404.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HOSTNAME } from '../kit/config.js';
import { curl } from '../kit/peers.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';

describe('the MTA-STS policy server', () => {
  let p: Petrel;
  let port: number;

  before(async () => {
    port = await freePort();
    p = await startPetrel({ mtaStsServer: { port } }); // example.test is a sending domain in the standard setup
  });
  after(() => p?.dispose());

  // -k: the test's self-signed certificate names the MX host, not mta-sts.<domain> (operators list a
  // certificate for each mta-sts name in tls.certificates; SNI picks it).
  const get = (host: string, path = '/.well-known/mta-sts.txt') =>
    curl(['-k', '-i', '--resolve', `${host}:${port}:127.0.0.1`, `https://${host}:${port}${path}`]);

  test('a sending domain gets its policy as text/plain: mode testing, our MX host', async () => {
    const r = await get('mta-sts.example.test');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 200/);
    assert.match(r.stdout, /content-type: text\/plain/i);
    assert.match(r.stdout, new RegExp(`version: STSv1\\r\\nmode: testing\\r\\nmx: ${HOSTNAME.replace(/\./g, '\\.')}\\r\\nmax_age: \\d+`));
  });

  test('other names and paths are 404', async () => {
    assert.match((await get('mta-sts.local.test')).stdout, /^HTTP\/1\.1 404/, 'local.test is not a sending domain');
    assert.match((await get('mta-sts.unknown.test')).stdout, /^HTTP\/1\.1 404/);
    assert.match((await get('mta-sts.example.test', '/other')).stdout, /^HTTP\/1\.1 404/);
  });
});
