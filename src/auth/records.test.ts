import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { DkimKey } from './dkim-keys.js';
import { domainRecords, formatPolicyComment, formatZone, mtaStsPolicy, splitTxt } from './records.js';

const NOW = Date.UTC(2026, 10, 28);
const key = (selector: string, state: DkimKey['state'], extra: Partial<DkimKey> = {}): DkimKey => ({
  domain: 'example.com', selector, algorithm: 'rsa-sha256', bits: 2048, publicKey: 'A'.repeat(392),
  keyPath: `keys/dkim/example.com/${selector}.pem`, state, createdAt: NOW, activatedAt: null, retireAt: null, ...extra,
});
const base = { domain: 'example.com', hostname: 'mail.example.net', local: false, sources: [], now: NOW };

describe('domain records', () => {
  it('splits TXT values into strings of at most 255 bytes', () => {
    assert.deepEqual(splitTxt(''), ['']);
    assert.deepEqual(splitTxt('x'.repeat(255)), ['x'.repeat(255)]);
    const parts = splitTxt('y'.repeat(600));
    assert.deepEqual(parts.map((p) => p.length), [255, 255, 90]);
  });

  it('publishes active, pending and still-retiring keys, not expired ones', () => {
    const keys = [key('p202611a', 'active'), key('p202611b', 'pending'), key('p202610a', 'retired', { retireAt: NOW + 1 }), key('p202609a', 'retired', { retireAt: NOW - 1 }),
      key('p202611c', 'active', { algorithm: 'ed25519-sha256', publicKey: 'E'.repeat(44) })];
    const dkim = domainRecords({ ...base, keys }).filter((r) => r.name.includes('._domainkey.'));
    assert.deepEqual(dkim.map((r) => r.name), ['p202611a._domainkey.example.com', 'p202611b._domainkey.example.com', 'p202610a._domainkey.example.com', 'p202611c._domainkey.example.com']);
    assert.equal(dkim[0]?.value, `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`);
    assert.equal(dkim[0]?.strings.join(''), dkim[0]?.value);
    assert.ok(dkim[0]!.strings.length === 2 && dkim[0]!.strings.every((s) => Buffer.byteLength(s) <= 255));
    assert.equal(dkim[3]?.value, `v=DKIM1; k=ed25519; p=${'E'.repeat(44)}`);
  });

  it('builds SPF from the sources, or falls back to mx', () => {
    const spf = (sources: string[]) => domainRecords({ ...base, keys: [], sources }).find((r) => r.value.startsWith('v=spf1'));
    assert.equal(spf([])?.value, 'v=spf1 mx ~all');
    assert.match(spf([])?.purpose ?? '', /no delivery\.sources/);
    assert.equal(spf(['192.0.2.1', '2001:db8::1'])?.value, 'v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 ~all');
  });

  it('has the JSON shape, DMARC, TLS-RPT, MTA-STS, and MX only for a local domain', () => {
    const records = domainRecords({ ...base, keys: [] });
    for (const r of records) assert.deepEqual(Object.keys(r).sort(), ['name', 'purpose', 'strings', 'ttl', 'type', 'value']);
    const byName = new Map(records.map((r) => [r.name, r]));
    assert.equal(byName.get('_dmarc.example.com')?.value, 'v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com');
    assert.equal(byName.get('_smtp._tls.example.com')?.value, 'v=TLSRPTv1; rua=mailto:tls-reports@example.com');
    assert.match(byName.get('_mta-sts.example.com')?.value ?? '', /^v=STSv1; id=[0-9a-f]{20}$/);
    assert.equal(records.some((r) => r.type === 'MX'), false);
    const mx = domainRecords({ ...base, local: true, keys: [] }).find((r) => r.type === 'MX');
    assert.equal(mx?.value, '10 mail.example.net.');
  });

  it('formats zone-file lines with comments and the MTA-STS policy', () => {
    const text = formatZone(domainRecords({ ...base, local: true, keys: [key('p202611a', 'active')] })) + formatPolicyComment(base.hostname, base.domain);
    assert.match(text, /^p202611a\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=rsa; p=A+" "A+" \)$/m);
    assert.match(text, /^example\.com\. IN TXT "v=spf1 mx ~all"$/m);
    assert.match(text, /^example\.com\. IN MX 10 mail\.example\.net\.$/m);
    assert.match(text, /^;   mode: testing$/m);
    assert.equal(mtaStsPolicy('mx.test'), 'version: STSv1\r\nmode: testing\r\nmx: mx.test\r\nmax_age: 604800\r\n');
  });
});
