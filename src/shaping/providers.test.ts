// Provider lookup against the real MX and submission host names of every shipped provider, unknown
// hosts, preference order and suffix boundaries; and the effective limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitsFor, providerOf } from './providers.js';
import { loadShapingRules, parseShapingRules } from './rules.js';

const rules = loadShapingRules();

/** [host, provider]: MX hosts as published in DNS, and the submission hosts relays use. */
const HOSTS: ReadonlyArray<readonly [string, string]> = [
  ['aspmx.l.google.com', 'google'],
  ['alt1.gmail-smtp-in.l.google.com', 'google'],
  ['gmail-smtp-in.l.google.com', 'google'],
  ['alt2.aspmx.l.googlemail.com', 'google'],
  ['smtp.gmail.com', 'google'],
  ['smtp-relay.gmail.com', 'google'],
  ['google.com', 'google'],
  ['example-com.mail.protection.outlook.com', 'microsoft'],
  ['hotmail-com.olc.protection.outlook.com', 'microsoft'],
  ['eur.olc.protection.outlook.com', 'microsoft'],
  ['example-com.l-v1.mx.microsoft', 'microsoft'],
  ['smtp.office365.com', 'microsoft'],
  ['smtp-mail.outlook.com', 'microsoft'],
  ['mta5.am0.yahoodns.net', 'yahoo'],
  ['mx-aol.mail.gm0.yahoodns.net', 'yahoo'],
  ['smtp.mail.yahoo.com', 'yahoo'],
  ['example.mx.aol.com', 'yahoo'],
  ['mx01.mail.icloud.com', 'apple'],
  ['mx02.mail.icloud.com', 'apple'],
  ['st11p00im-smtpin013.me.com', 'apple'],
  ['smtp.mail.me.com', 'apple'],
  ['mx00.emig.gmx.net', 'gmx-webde'],
  ['mx00.gmx.net', 'gmx-webde'],
  ['mx-ha03.web.de', 'gmx-webde'],
  ['smtp-in.orange.fr', 'orange'],
  ['smtp.wanadoo.fr', 'orange'],
  ['mx1a1.comcast.net', 'comcast'],
  ['mx.zoho.com', 'zoho'],
  ['mx.zoho.eu', 'zoho'],
  ['mx.yandex.net', 'yandex'],
  ['mx.yandex.ru', 'yandex'],
  ['mxs.mail.ru', 'mailru'],
];

describe('providerOf', () => {
  for (const [host, name] of HOSTS) it(`${host} is ${name}`, () => assert.equal(providerOf(rules, [host])?.name, name));

  it('ignores case and a trailing dot', () => {
    assert.equal(providerOf(rules, ['ASPMX.L.Google.COM.'])?.name, 'google');
    assert.equal(providerOf(rules, [' mx01.mail.icloud.com. '])?.name, 'apple');
  });
  it('answers null for destinations that are no provider', () => {
    for (const host of ['mx.example.com', 'mx.yahoo.co.jp', 'smtpz4.laposte.net', 'mx00.ionos.de', 'notgoogle.com', 'google.com.example', 'com', '', '192.0.2.1', '[192.0.2.1]']) {
      assert.equal(providerOf(rules, [host]), null, host);
    }
    assert.equal(providerOf(rules, []), null);
  });
  it('takes the first host that matches, in the order given', () => {
    assert.equal(providerOf(rules, ['mx.example.com', 'aspmx.l.google.com'])?.name, 'google');
    assert.equal(providerOf(rules, ['mx01.mail.icloud.com', 'aspmx.l.google.com'])?.name, 'apple');
  });
  it('lets the longest suffix win, whatever the file order', () => {
    const own = parseShapingRules({ providers: [{ name: 'outlook', mx: ['.outlook.com'] }, { name: 'm365', mx: ['.protection.outlook.com'] }] });
    assert.equal(providerOf(own, ['x.mail.protection.outlook.com'])?.name, 'm365');
    assert.equal(providerOf(own, ['smtp-mail.outlook.com'])?.name, 'outlook');
  });
});

describe('limitsFor', () => {
  const by = (name: string) => rules.providers.find((p) => p.name === name)!;
  it('gives the defaults for a destination that is no provider', () => {
    assert.deepEqual(limitsFor(rules, null), { connectionsPerSource: 10, messagesPerConnection: 100 });
  });
  it("puts a provider's figures over the defaults", () => {
    assert.deepEqual(limitsFor(rules, by('google')), { connectionsPerSource: 5, messagesPerConnection: 50 });
    assert.deepEqual(limitsFor(rules, by('microsoft')), { connectionsPerSource: 3, messagesPerConnection: 50, messagesPerMinutePerIdentity: 30 });
    assert.deepEqual(limitsFor(rules, by('yahoo')), { connectionsPerSource: 10, messagesPerConnection: 20 });
    assert.deepEqual(limitsFor(rules, by('zoho')), limitsFor(rules, null));
  });
  it('follows overrides of both the provider and the defaults', () => {
    const own = loadShapingRules({ overrides: { default: { messagesPerMinutePerSource: 600 }, providers: [{ name: 'microsoft', messagesPerMinutePerIdentity: null }] } });
    const microsoft = own.providers.find((p) => p.name === 'microsoft')!;
    assert.deepEqual(limitsFor(own, microsoft), { connectionsPerSource: 3, messagesPerConnection: 50, messagesPerMinutePerSource: 600 });
  });
});
