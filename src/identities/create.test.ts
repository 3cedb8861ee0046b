import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../store/errors.js';
import { buildIdentity } from './create.js';

const base = { name: 'n1', from: 'Sales@Out.test', via: 'relay' as const };

describe('buildIdentity', () => {
  it('fills a preset in: host, port, TLS, ceilings and the cold-outreach defaults', () => {
    const i = buildIdentity({ ...base, preset: 'gmail', relayPassword: 'app-pw' });
    assert.equal(i.from, 'sales@out.test');
    assert.deepEqual(i.relay, { host: 'smtp.gmail.com', port: 587, tls: 'starttls', verify: true, user: 'sales@out.test' });
    assert.deepEqual(i.hardCaps, { daily: 2000 });
    assert.equal(i.dailyCap, 40);
    assert.equal(i.minGapMs, 120_000);
    assert.deepEqual(i.secret, { password: 'app-pw' });
  });

  it('lets flags win over the preset', () => {
    const i = buildIdentity({ ...base, preset: 'm365', dailyCap: 5, minGapSeconds: 0, relayPort: 2525 });
    assert.equal(i.dailyCap, 5);
    assert.equal(i.minGapMs, 0);
    assert.equal(i.relay?.port, 2525);
    assert.deepEqual(i.hardCaps, { daily: 10_000, perMinute: 30 });
  });

  it('keeps XOAUTH2 secrets apart from the relay settings', () => {
    const i = buildIdentity({ ...base, preset: 'gmail', oauth: { tokenUrl: 'https://t.test/token', clientId: 'c', refreshToken: 'r', clientSecret: 's' } });
    assert.deepEqual(i.relay?.mechanisms, ['XOAUTH2']);
    assert.deepEqual(i.relay?.oauth, { tokenUrl: 'https://t.test/token', clientId: 'c' });
    assert.deepEqual(i.secret, { refreshToken: 'r', clientSecret: 's' });
  });

  it('takes mta identities with a source IP and a whole domain', () => {
    const i = buildIdentity({ name: 'm', from: 'out.test', via: 'mta', source: '192.0.2.7', warmup: '5,2,40' });
    assert.equal(i.source, '192.0.2.7');
    assert.deepEqual(i.warmup, { start: 5, step: 2, percent: false, target: 40 });
  });

  for (const [what, input, message] of [
    ['a bad from', { ...base, from: 'not an address' }, /--from/],
    ['a preset on mta', { ...base, via: 'mta' as const, preset: 'gmail' as const }, /--preset gmail is for --via relay/],
    ['a relay without host', { ...base }, /needs --relay-host/],
    ['esp without host', { ...base, preset: 'esp' as const }, /--preset esp needs --relay-host/],
    ['relay flags on mta', { name: 'm', from: 'a@b.test', via: 'mta' as const, relayHost: 'x' }, /--relay-\* flags are for --via relay/],
    ['a source on a relay', { ...base, relayHost: 'h', source: '192.0.2.1' }, /--source is for --via mta/],
    ['a bad source', { name: 'm', from: 'a@b.test', via: 'mta' as const, source: 'here' }, /--source "here": an IP address/],
    ['a bad ramp', { ...base, relayHost: 'h', warmup: '40,2,5' }, /--warmup/],
    ['a bad zone', { ...base, relayHost: 'h', timeZone: 'Nowhere/Else' }, /--time-zone/],
    ['a zero cap', { ...base, relayHost: 'h', dailyCap: 0 }, /--daily-cap/],
    ['credentials for a domain without user', { ...base, from: 'out.test', relayHost: 'h', relayPassword: 'x' }, /--relay-user is needed/],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(() => buildIdentity(input as never), (e: unknown) => e instanceof StoreError && e.code === 'invalid' && (message as RegExp).test(e.message));
    });
  }
});
