// `petrel domain check` through the real CLI: DNS served by the test DNS server on loopback, a DKIM key
// in the database, exit 0 when nothing fails, 1 when something does, 2 for usage mistakes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/db.js';
import { runCli } from '../kit/petrel.js';
import { configYaml } from '../kit/config.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';
import { freePorts } from '../kit/ports.js';

const DOMAIN = 'example.test';
const IP = '192.0.2.10';
const HELO = 'mail.example.test';

/** Everything a healthy sending domain publishes (no MTA-STS: that only warns); DKIM keys added in before(). */
const HEALTHY: Zone = {
  [DOMAIN]: { MX: [{ preference: 10, exchange: HELO }], TXT: [`v=spf1 ip4:${IP} -all`] },
  [HELO]: { A: [IP] },
  [IP]: { PTR: [HELO] },
  [`_dmarc.${DOMAIN}`]: { TXT: [`v=DMARC1; p=reject; rua=mailto:dmarc@${DOMAIN}`] },
  [`_smtp._tls.${DOMAIN}`]: { TXT: [`v=TLSRPTv1; rua=mailto:tls@${DOMAIN}`] },
};

let dir: string;
let dns: TestDnsServer;

/** Publish every active key of DOMAIN, adding one first if `domain add` did not create any. */
function publishActiveKeys(): void {
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const active = () => db.prepare(`SELECT selector, public_key AS p FROM dkim_keys WHERE domain = ? AND state = 'active'`).all(DOMAIN) as { selector: string; p: string }[];
    if (active().length === 0) {
      const p = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
      db.prepare(`INSERT INTO dkim_keys (domain, selector, algorithm, bits, public_key, key_path, state, created_at) VALUES (?, 's1', 'rsa-sha256', 2048, ?, 'keys/x.pem', 'active', 0)`).run(DOMAIN, p);
    }
    for (const key of active()) HEALTHY[`${key.selector}._domainkey.${DOMAIN}`] = { TXT: [`v=DKIM1; k=rsa; p=${key.p}`] };
  } finally {
    db.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'petrel-check-'));
  dns = await startDnsServer({});
  const [mx, submission, submissions, alt] = await freePorts(4);
  const yaml = configYaml(
    { mx: mx!, submission: submission!, submissions: submissions!, alt: alt! },
    { delivery: { sources: [{ address: IP, helo: HELO }] }, dns: { servers: [dns.server], timeoutMs: 300, attempts: 1 } },
  );
  writeFileSync(join(dir, 'petrel.yaml'), yaml);
  assert.equal((await runCli(dir, ['domain', 'add', DOMAIN])).code, 0);
  publishActiveKeys();
});
after(async () => {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

type JsonReport = { ok: boolean; domains: { domain: string; findings: { area: string; check: string; status: string }[] }[] };

async function checkJson(args: string[]): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const r = await runCli(dir, ['domain', 'check', ...args, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

describe('petrel domain check', () => {
  test('a healthy domain exits 0 with no failing finding', async () => {
    dns.setZone(HEALTHY);
    const { code, report, stderr } = await checkJson([DOMAIN]);
    assert.equal(code, 0, stderr + JSON.stringify(report));
    assert.equal(report.ok, true);
    const findings = report.domains[0]!.findings;
    assert.deepEqual(findings.filter((f) => f.status === 'fail' || f.status === 'unknown'), []);
    assert.ok(findings.some((f) => f.area === 'blocklists' && f.check === `${IP} @ zen.spamhaus.org` && f.status === 'pass'));
    assert.ok(findings.some((f) => f.area === 'dkim' && f.check.startsWith('selector ') && f.status === 'pass'));
  });

  test('a missing DMARC record and a listed IP exit 1', async () => {
    const broken: Zone = { ...HEALTHY, [`10.2.0.192.zen.spamhaus.org`]: { A: ['127.0.0.2'] } };
    delete broken[`_dmarc.${DOMAIN}`];
    dns.setZone(broken);
    const { code, report, stderr } = await checkJson([DOMAIN]);
    assert.equal(code, 1);
    assert.match(stderr, /domain check failed for example\.test/);
    const failed = report.domains[0]!.findings.filter((f) => f.status === 'fail').map((f) => `${f.area}/${f.check}`);
    assert.ok(failed.includes('dmarc/record'), failed.join());
    assert.ok(failed.includes(`blocklists/${IP} @ zen.spamhaus.org`), failed.join());
  });

  test('a refused blocklist answer is unknown and does not fail', async () => {
    dns.setZone({ ...HEALTHY, [`${DOMAIN}.dbl.spamhaus.org`]: { A: ['127.255.255.254'] } });
    const { code, report } = await checkJson([DOMAIN]);
    assert.equal(code, 0);
    const dbl = report.domains[0]!.findings.find((f) => f.check === `${DOMAIN} @ dbl.spamhaus.org`);
    assert.equal(dbl?.status, 'unknown');
  });

  test('--all checks sending domains and prints a table', async () => {
    dns.setZone(HEALTHY);
    const r = await runCli(dir, ['domain', 'check', '--all']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^example\.test: 0 fail/m);
    assert.match(r.stdout, /^AREA +CHECK +STATUS +MESSAGE +FIX/m);
  });

  test('usage mistakes exit 2', async () => {
    assert.equal((await runCli(dir, ['domain', 'check'])).code, 2);
    assert.equal((await runCli(dir, ['domain', 'check', DOMAIN, '--all'])).code, 2);
    assert.equal((await runCli(dir, ['domain', 'check', 'not a domain!'])).code, 2);
  });
});
