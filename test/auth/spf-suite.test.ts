// Runs the openspf RFC 7208 suite through Petrel's path: zone data served by the test DNS server on
// loopback, DnsResolver + mailauthResolver, mailauth's SPF check. Fails on any unlisted failure or skip.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { spf } from 'mailauth/lib/spf/index.js';
import { mailauthResolver } from '../../src/auth/mailauth-resolver.js';
import { DnsResolver } from '../../src/dns/resolver.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { loadSpfSuite, type SpfCase } from '../kit/spf-zone.js';
import { KNOWN_FAILURES, MIN_PASS, SKIPPED } from './spf-suite-known.js';

const SUITE = resolve(process.cwd(), '../shared/testdata/spf/rfc7208-tests.yml');
const TIMEOUT_MS = 150; // the suite's TIMEOUT names never answer; keep those cases quick

type Outcome = { key: string; expected: string[]; got: string; comment?: string };

/** mailauth's verdict for one case, asked through a fresh resolver so no answer is cached between cases. */
async function check(dns: TestDnsServer, c: SpfCase): Promise<{ result: string; comment?: string }> {
  const resolver = new DnsResolver({
    servers: [{ host: dns.address, port: dns.port }],
    timeoutMs: TIMEOUT_MS,
    attempts: 1,
    minTtlSeconds: 0,
    maxTtlSeconds: 300,
    cacheSize: 1000,
  });
  const answer = await spf({ sender: c.mailfrom, ip: c.host, helo: c.helo, mta: 'mx.petrel.test', resolver: mailauthResolver(resolver) });
  return answer.status;
}

/** Every case of the suite, each scenario served by its own server; skipped cases are not run. */
async function runSuite(): Promise<{ outcomes: Outcome[]; skipped: string[] }> {
  const outcomes: Outcome[] = [];
  const skipped: string[] = [];
  for (const scenario of loadSpfSuite(SUITE)) {
    const dns = await startDnsServer(scenario.zone);
    try {
      for (const c of scenario.cases) {
        const key = `${scenario.description} / ${c.name}`;
        if (key in SKIPPED) skipped.push(key);
        else outcomes.push({ key, expected: c.results, ...renamed(await check(dns, c)) });
      }
    } finally {
      await dns.close();
    }
  }
  return { outcomes, skipped };
}

function renamed(status: { result: string; comment?: string }): { got: string; comment?: string } {
  return { got: status.result, comment: status.comment };
}

test('RFC 7208 suite through DnsResolver and mailauth', async () => {
  const { outcomes, skipped } = await runSuite();
  const failed = outcomes.filter((o) => !o.expected.includes(o.got));
  const pass = outcomes.length - failed.length;
  console.log(`RFC 7208 suite: ${pass} pass, ${failed.length} fail, ${skipped.length} skipped`);
  for (const f of failed) console.log(`  FAIL ${f.key}: expected ${f.expected.join('|')}, got ${f.got} (${f.comment ?? ''})`);

  const unlisted = failed.filter((f) => !(f.key in KNOWN_FAILURES)).map((f) => `${f.key}: expected ${f.expected.join('|')}, got ${f.got}`);
  assert.deepEqual(unlisted, [], 'failures not in KNOWN_FAILURES');
  const fixed = Object.keys(KNOWN_FAILURES).filter((key) => !failed.some((f) => f.key === key));
  assert.deepEqual(fixed, [], 'KNOWN_FAILURES entries that now pass or no longer exist: remove them');
  const staleSkips = Object.keys(SKIPPED).filter((key) => !skipped.includes(key));
  assert.deepEqual(staleSkips, [], 'SKIPPED entries that match no case');
  assert.ok(pass >= MIN_PASS, `pass count ${pass} fell below ${MIN_PASS}`);
});
