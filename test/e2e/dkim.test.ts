// DKIM end to end: `domain add --sending` and `dkim add --ed25519` make keys, `domain records --json`
// says what to publish, the test DNS server publishes it, and mail Petrel delivers to a postfix
// smtp-sink carries RSA and Ed25519 signatures that mailauth verifies through that DNS server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DnsRecord } from '../../src/auth/records.js';
import { submit } from '../kit/delivery.js';
import { dkimResults } from '../kit/dkim.js';
import { startDnsServer, type TestDnsServer, type Zone } from '../kit/dns-server.js';
import { tag } from '../kit/mail.js';
import { STANDARD_SETUP, startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const SINK_IP = '127.0.0.41';
const ZONE: Zone = {
  'sink.test': { MX: [{ preference: 10, exchange: 'mx.sink.test' }] },
  'mx.sink.test': { A: [SINK_IP] },
};

describe('DKIM signing of outbound mail', () => {
  let dns: TestDnsServer;
  let petrel: Petrel;
  let sink: Sink;
  let records: DnsRecord[];
  let published: Zone;

  before(async () => {
    const mxPort = await freePort();
    dns = await startDnsServer(ZONE);
    petrel = await startPetrel({
      setup: [...STANDARD_SETUP, { args: ['dkim', 'add', 'example.test', '--ed25519'] }],
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, mtaSts: { enabled: false }, sources: [{ address: '127.0.0.1' }] },
    });
    sink = await startSink(SINK_IP, mxPort);
    const r = await petrel.cli(['domain', 'records', 'example.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    records = JSON.parse(r.stdout) as DnsRecord[];
    published = { ...ZONE };
    for (const rec of records.filter((x) => x.type === 'TXT')) published[rec.name] = { TXT: [...(published[rec.name]?.TXT ?? []), rec.strings] };
    dns.setZone(published);
  });

  after(async () => {
    await Promise.allSettled([petrel?.dispose(), sink?.stop(), dns?.close()]);
  });

  test('`domain records --json` lists both DKIM keys, SPF from the sources, DMARC, MTA-STS and TLS-RPT', () => {
    const byName = (re: RegExp) => records.filter((x) => re.test(x.name));
    const dkim = byName(/^p\d{6}[a-z]\._domainkey\.example\.test$/);
    assert.deepEqual(dkim.map((x) => /k=(\w+);/.exec(x.value)?.[1]), ['rsa', 'ed25519']);
    assert.ok(dkim[0]!.strings.length >= 2 && dkim[0]!.strings.every((s) => s.length <= 255));
    assert.equal(byName(/^example\.test$/)[0]?.value, 'v=spf1 ip4:127.0.0.1 ~all');
    assert.equal(byName(/^_dmarc\./)[0]?.value, 'v=DMARC1; p=none; rua=mailto:dmarc-reports@example.test');
    assert.match(byName(/^_mta-sts\./)[0]?.value ?? '', /^v=STSv1; id=\w+$/);
    assert.equal(byName(/^_smtp\._tls\./)[0]?.value, 'v=TLSRPTv1; rua=mailto:tls-reports@example.test');
    assert.equal(records.some((x) => x.type === 'MX'), false, 'example.test is not local here');
    for (const x of records) assert.deepEqual(Object.keys(x).sort(), ['name', 'purpose', 'strings', 'ttl', 'type', 'value']);
  });

  test('delivered mail verifies with mailauth against the keys published in DNS', async () => {
    const subject = tag('dkim');
    await submit(petrel, { to: ['someone@sink.test'], subject, extra: ['--add-header', 'List-Unsubscribe: <https://example.test/u>'] });
    const [got] = await sink.waitForContent(subject);
    const { summary, raw, message } = await dkimResults(got!.content, dns.server);
    assert.deepEqual(summary, [['pass', 'rsa-sha256', 'example.test'], ['pass', 'ed25519-sha256', 'example.test']], JSON.stringify(raw));
    const unfolded = message.toString().replace(/\r\n[ \t]+/g, ' ');
    const h = /^DKIM-Signature:.*?\bh=([^;]+);/m.exec(unfolded)?.[1]?.toLowerCase().split(/\s*:\s*/) ?? [];
    assert.equal(h.filter((x) => x === 'from').length, 2, `From over-signed: ${h.join(':')}`);
    assert.ok(h.includes('list-unsubscribe') && h.includes('subject'));
  });

  test('rotation: the new key signs only once DNS shows it; the old one is retired', async () => {
    const rotated = await petrel.cli(['dkim', 'rotate', 'example.test']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const selector = /petrel dkim activate example\.test (\w+)/.exec(rotated.stdout)?.[1];
    assert.ok(selector, rotated.stdout);
    const early = await petrel.cli(['dkim', 'activate', 'example.test', selector]);
    assert.equal(early.code, 1, early.stdout);
    assert.match(early.stderr, /DNS does not show key .* yet: .*_domainkey\.example\.test has no TXT record/);
    const now = JSON.parse((await petrel.cli(['domain', 'records', 'example.test', '--json'])).stdout) as DnsRecord[];
    const fresh = now.find((x) => x.name === `${selector}._domainkey.example.test`)!;
    dns.setZone({ ...published, [fresh.name]: { TXT: [fresh.strings] } });
    const done = await petrel.cli(['dkim', 'activate', 'example.test', selector]);
    assert.equal(done.code, 0, done.stderr);
    const list = (await petrel.cli(['dkim', 'list', 'example.test'])).stdout;
    assert.match(list, new RegExp(`${selector}\\s.*active`));
    assert.match(list, /retired/);
  });
});
