// MTA-STS end to end (RFC 8461): the policy is fetched over HTTPS from mta-sts.<domain> (served on
// loopback with a test CA), enforce mode delivers only over verified TLS to a listed MX, refuses a
// plaintext MX, and every session is counted for TLS-RPT.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { makeTestCa } from '../../src/delivery/mta-sts-testkit.js';
import { submit, untilRecipients, attemptsOf } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const GOOD_MX_IP = '127.0.0.8';
const PLAIN_MX_IP = '127.0.0.9';
const policy = (mx: string) => `version: STSv1\r\nmode: enforce\r\nmx: ${mx}\r\nmax_age: 86400\r\n`;

describe('MTA-STS enforce', () => {
  let dns: TestDnsServer;
  let https: Server;
  let receiver: Petrel;
  let plain: Sink;
  let a: Petrel;

  before(async () => {
    const ca = await makeTestCa();
    const dir = mkdtempSync(join(tmpdir(), 'petrel-sts-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
    const web = await ca.leaf(['mta-sts.secure.test', 'mta-sts.plain.test']);
    const mxCert = await ca.leaf(['mx.secure.test']);
    writeFileSync(join(dir, 'mx.crt'), mxCert.cert);
    writeFileSync(join(dir, 'mx.key'), mxCert.key);
    const httpsPort = await freePort();
    https = createServer({ cert: web.cert, key: web.key }, (req, res) => {
      const body = req.headers.host?.startsWith('mta-sts.secure.test') ? policy('mx.secure.test') : policy('mx.plain.test');
      res.writeHead(req.url === '/.well-known/mta-sts.txt' ? 200 : 404, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => https.listen(httpsPort, '127.0.0.1', resolve));
    dns = await startDnsServer({
      'secure.test': { MX: [{ preference: 10, exchange: 'mx.secure.test' }] },
      '_mta-sts.secure.test': { TXT: ['v=STSv1; id=20261128;'] },
      'mta-sts.secure.test': { A: ['127.0.0.1'] },
      'mx.secure.test': { A: [GOOD_MX_IP] },
      'plain.test': { MX: [{ preference: 10, exchange: 'mx.plain.test' }] },
      '_mta-sts.plain.test': { TXT: ['v=STSv1; id=1;'] },
      'mta-sts.plain.test': { A: ['127.0.0.1'] },
      'mx.plain.test': { A: [PLAIN_MX_IP] },
    });
    const mxPort = await freePort();
    receiver = await startPetrel({
      mxPort,
      listeners: { mx: { address: GOOD_MX_IP } },
      tls: { certificates: [{ cert: join(dir, 'mx.crt'), key: join(dir, 'mx.key') }] },
      setup: [{ args: ['domain', 'add', 'secure.test', '--local', '--catch-all'] }],
    });
    plain = await startSink(PLAIN_MX_IP, mxPort);
    a = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, tls: { caFiles: [caFile] }, mtaSts: { enabled: true, port: httpsPort } },
    });
  });

  after(async () => {
    await Promise.allSettled([a?.dispose(), receiver?.dispose(), plain?.stop(), dns?.close(), new Promise((r) => https?.close(r))]);
  });

  function tlsSessions(domain: string): Array<{ result: string; count: number; policy_type: string }> {
    const db = new Database(join(a.dataDir, 'petrel.db'), { readonly: true });
    try {
      return db.prepare('SELECT result, count, policy_type FROM tls_sessions WHERE policy_domain = ?').all(domain) as Array<{ result: string; count: number; policy_type: string }>;
    } finally {
      db.close();
    }
  }

  test('a listed MX with a valid certificate gets the mail over TLS, counted as a TLS-RPT success', async () => {
    const id = await submit(a, { to: ['x@secure.test'], subject: tag('sts-ok') });
    await untilRecipients(a, id, ['delivered']);
    assert.match(attemptsOf(a, id)[0]?.tls ?? '', /^TLSv1\.[23]$/);
    assert.deepEqual(tlsSessions('secure.test').map((r) => [r.policy_type, r.result]), [['sts', 'success']]);
  });

  test('an MX without STARTTLS never gets the mail: it is deferred and counted as starttls-not-supported', async () => {
    const id = await submit(a, { to: ['y@plain.test'], subject: tag('sts-plain') });
    const [row] = await untilRecipients(a, id, ['deferred']);
    assert.ok(row!.lastCode! >= 400 && row!.lastCode! < 500, JSON.stringify(row));
    assert.match(row?.lastText ?? '', /TLS|STARTTLS/i);
    assert.equal(plain.messages().length, 0, 'nothing reached the plaintext MX');
    assert.ok(tlsSessions('plain.test').some((r) => r.result === 'starttls-not-supported'), JSON.stringify(tlsSessions('plain.test')));
  });
});
