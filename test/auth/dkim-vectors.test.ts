// Verifies published DKIM vectors (RFC 8463 Appendix A: Ed25519 + RSA; dkimpy's signed RFC 6376 message)
// with mailauth, keys served by the test DNS server through DnsResolver + mailauthResolver.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { mailauthResolver } from '../../src/auth/mailauth-resolver.js';
import { DnsResolver } from '../../src/dns/resolver.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';

const DIR = resolve(process.cwd(), '../shared/testdata/dkim');
const DOMAIN = 'football.example.com';

type DkimResult = Awaited<ReturnType<typeof dkimVerify>>['results'][number];

/** The two key records RFC8463-DNS.txt lists: the Ed25519 one inline, the RSA one in dkimpy-test.txt. */
function keyZone(): Zone {
  const notes = readFileSync(resolve(DIR, 'RFC8463-DNS.txt'), 'utf8');
  const ed25519 = /^brisbane\._domainkey\.\S+\s+TXT\s+"([^"]+)"/m.exec(notes)?.[1];
  assert.ok(ed25519, 'RFC8463-DNS.txt: no brisbane TXT record');
  const rsa = readFileSync(resolve(DIR, 'dkimpy-test.txt'), 'utf8').trim();
  return { [`brisbane._domainkey.${DOMAIN}`]: { TXT: [ed25519] }, [`test._domainkey.${DOMAIN}`]: { TXT: [rsa] } };
}

/** A vector as sent on the wire: the files have LF line ends, DKIM hashes CRLF. */
function message(file: string): Buffer {
  return Buffer.from(readFileSync(resolve(DIR, file), 'utf8').replace(/\r?\n/g, '\r\n'));
}

let dns: TestDnsServer;
let verify: (input: Buffer) => Promise<DkimResult[]>;
before(async () => {
  dns = await startDnsServer(keyZone());
  verify = async (input) => {
    const resolver = new DnsResolver({ servers: [{ host: dns.address, port: dns.port }], timeoutMs: 1000, attempts: 1, minTtlSeconds: 0, maxTtlSeconds: 300, cacheSize: 100 });
    return (await dkimVerify(input, { resolver: mailauthResolver(resolver) })).results;
  };
});
after(() => dns.close());

/** "selector result (comment)" for each signature, in header order. */
function summary(results: DkimResult[]): string[] {
  return results.map((r) => `${r.selector} ${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ''}`);
}

for (const file of ['dkim-rfc8463-example.msg', 'dkimpy-rfc6376.signed.msg']) {
  test(`${file}: the Ed25519 and RSA signatures both pass`, async () => {
    const seen = dns.queries.length;
    const results = await verify(message(file));
    assert.deepEqual(summary(results), ['brisbane pass', 'test pass']);
    assert.deepEqual(results.map((r) => r.signingDomain), [DOMAIN, DOMAIN]);
    const asked = dns.queries.slice(seen).filter((q) => q.type === 'TXT').map((q) => q.name);
    assert.ok(asked.includes(`brisbane._domainkey.${DOMAIN}`) && asked.includes(`test._domainkey.${DOMAIN}`), 'keys came from the test server');
  });

  test(`${file}: an altered body fails both signatures`, async () => {
    const altered = Buffer.from(message(file).toString('utf8').replace('We lost the game.', 'We won the game.'));
    assert.deepEqual(summary(await verify(altered)), ['brisbane neutral (body hash did not verify)', 'test neutral (body hash did not verify)']);
  });
}

test('an altered signed header fails both signatures with a bad signature', async () => {
  const altered = Buffer.from(message('dkim-rfc8463-example.msg').toString('utf8').replace('Subject: Is dinner ready?', 'Subject: Is lunch ready?'));
  assert.deepEqual(summary(await verify(altered)), ['brisbane fail (bad signature)', 'test fail (bad signature)']);
});

test('a signature whose key is not published gives no key, not a pass', async () => {
  await dns.close();
  dns = await startDnsServer({ [`test._domainkey.${DOMAIN}`]: { TXT: [readFileSync(resolve(DIR, 'dkimpy-test.txt'), 'utf8').trim()] } });
  assert.deepEqual(summary(await verify(message('dkim-rfc8463-example.msg'))), ['brisbane neutral (no key)', 'test pass']);
});
