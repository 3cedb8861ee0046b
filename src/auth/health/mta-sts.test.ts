import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeTestCa } from '../../delivery/mta-sts-testkit.js';
import { checkMtaSts } from './mta-sts.js';
import { DOMAIN, startHealthDns, statuses, type HealthDns } from './testkit.js';

let dns: HealthDns;
let server: https.Server;
let port: number;
let ca: string;
let policy = '';

before(async () => {
  dns = await startHealthDns();
  const testCa = await makeTestCa();
  ca = testCa.cert;
  server = https.createServer(await testCa.leaf([`mta-sts.${DOMAIN}`]), (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dns.close();
});

const mx = `mx.${DOMAIN}`;
const zone = (extra = {}) => ({
  [DOMAIN]: { MX: [{ preference: 10, exchange: mx }] },
  [`_mta-sts.${DOMAIN}`]: { TXT: ['v=STSv1; id=20250101'] },
  [`mta-sts.${DOMAIN}`]: { A: ['127.0.0.1'] },
  [`_smtp._tls.${DOMAIN}`]: { TXT: [`v=TLSRPTv1; rua=mailto:tls@${DOMAIN}`] },
  ...extra,
});
const context = (extra = {}) => dns.context(zone(extra), { mtaSts: { port, timeoutMs: 2000, ca: [ca] } });

describe('checkMtaSts', () => {
  test('an enforced policy covering the MX, with TLS-RPT, passes', async () => {
    policy = `version: STSv1\nmode: enforce\nmx: ${mx}\nmax_age: 604800\n`;
    const s = statuses(await checkMtaSts(context(), DOMAIN));
    assert.deepEqual(s, { record: 'pass', policy: 'pass', mode: 'pass', 'mx coverage': 'pass', 'tls-rpt': 'pass' });
  });

  test('testing mode warns; an MX the policy omits fails', async () => {
    policy = `version: STSv1\nmode: testing\nmx: other.${DOMAIN}\nmax_age: 604800\n`;
    const s = statuses(await checkMtaSts(context(), DOMAIN));
    assert.equal(s['mode'], 'warn');
    assert.equal(s['mx coverage'], 'fail');
  });

  test('an invalid policy fails', async () => {
    policy = 'version: STSv1\nmode: sometimes\n';
    assert.equal(statuses(await checkMtaSts(context(), DOMAIN))['policy'], 'fail');
  });

  test('no records warn; a bad TXT fails; DNS failure is unknown', async () => {
    const none = statuses(await checkMtaSts(dns.context({}), DOMAIN));
    assert.deepEqual(none, { record: 'warn', 'tls-rpt': 'warn' });
    const bad = statuses(await checkMtaSts(context({ [`_mta-sts.${DOMAIN}`]: { TXT: ['v=STSv1; id=not valid!'] }, [`_smtp._tls.${DOMAIN}`]: { TXT: ['v=TLSRPTv1;'] } }), DOMAIN));
    assert.deepEqual(bad, { record: 'fail', 'tls-rpt': 'fail' });
    const down = statuses(await checkMtaSts(context({ [`_mta-sts.${DOMAIN}`]: { fault: 'servfail' } }), DOMAIN));
    assert.equal(down['record'], 'unknown');
  });
});
