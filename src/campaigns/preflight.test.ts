// `campaign preflight` over a real store (temp file, migrations) with fake DNS: each check's pass and
// its failure, the estimate, the text rendering, and a throwing check that fails alone.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { HealthContext } from '../auth/health/context.js';
import type { AreaFinding, DomainReport, Status } from '../auth/health/report.js';
import { buildIdentity, type IdentityInput } from '../identities/create.js';
import { PoolStore } from '../identities/pools.js';
import { IdentityStore } from '../identities/store.js';
import { makeTempStore, type TempStore } from '../store/testkit.js';
import { SuppressionStore } from '../suppression/store.js';
import { parseCampaign, type Campaign, type CampaignInput } from './definition.js';
import { extractUrls, listedDomainFrom } from './preflight-links.js';
import { preflight, renderPreflight, type CompileTemplate, type PreflightDeps, type PreflightItem, type PreflightReport } from './preflight.js';

const NOW = Date.UTC(2026, 11, 7, 12);
const DOMAIN = 'acme.test';

/** A tiny stand-in for the template compiler: {{field}} or {{field|fallback}}; an unclosed {{ throws. */
const compile: CompileTemplate = (source) => {
  const fields: string[] = [];
  const bare: string[] = [];
  for (const part of source.split('{{').slice(1)) {
    const end = part.indexOf('}}');
    if (end < 0) throw new Error('unclosed {{');
    const [name = '', fallback] = part.slice(0, end).split('|').map((s) => s.trim());
    fields.push(name);
    if (fallback === undefined) bare.push(name);
  }
  return { fields, fieldsWithoutFallback: bare };
};

/** A domain report with one finding per area, all pass unless overridden. */
function report(domain: string, over: Partial<Record<AreaFinding['area'], [Status, string, string?]>> = {}): DomainReport {
  const areas = ['spf', 'dkim', 'dmarc', 'mx', 'ptr', 'blocklists'] as const;
  const findings = areas.map((area): AreaFinding => {
    const [status, message, fix] = over[area] ?? ['pass', `${area} fine`];
    const check = area === 'blocklists' ? `${domain} @ dbl.example` : area;
    return { area, check, status, message, fix: fix ?? '' };
  });
  return { domain, findings };
}

let store: TempStore;
let reports: Map<string, DomainReport>;
let listed: Map<string, { listed: boolean; lists: string[]; unknown?: string }>;
let lookedUp: string[];

function deps(over: Partial<PreflightDeps> = {}): PreflightDeps {
  return {
    db: store.db,
    checkDomain: async (d) => reports.get(d) ?? report(d),
    listedDomain: async (d) => (lookedUp.push(d), listed.get(d) ?? { listed: false, lists: [] }),
    unsubscribe: { url: 'https://petrel.acme.test', mailtoDomain: 'petrel.acme.test' },
    now: NOW,
    compile,
    ...over,
  };
}

function identity(input: Partial<IdentityInput> & { name: string }): void {
  const base: IdentityInput = { from: `${input.name}@${DOMAIN}`, via: 'relay', relayHost: 'smtp.provider.test', dailyCap: 50, ...input };
  new IdentityStore(store.db).add(buildIdentity(base), NOW);
}

function contacts(list: string, rows: Array<[string, Record<string, string>?]>): void {
  store.db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)').run(list, NOW);
  for (const [email, fields = {}] of rows) {
    store.db.prepare('INSERT INTO contacts (email, address, fields, org_domain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(email, email, JSON.stringify(fields), email.split('@')[1], NOW, NOW);
    store.db.prepare('INSERT INTO list_members (list, email, added_at) VALUES (?, ?, ?)').run(list, email, NOW);
  }
}

function campaign(over: Partial<CampaignInput> = {}): Campaign {
  return parseCampaign({
    name: 'spring', list: 'leads', pool: 'sales',
    steps: [
      { delay: 0, subject: 'Hi {{first_name|there}}', text: 'Hello {{first_name|there}}, see https://www.acme.test/pricing.' },
      { delay: '3 days', text: 'Following up.' },
    ],
    ...over,
  });
}

const find = (r: PreflightReport, check: string): PreflightItem => {
  const found = r.items.find((i) => i.check === check);
  assert.ok(found, `no item ${check} in ${r.items.map((i) => i.check).join(', ')}`);
  return found;
};

beforeEach(() => {
  store = makeTempStore();
  reports = new Map();
  listed = new Map();
  lookedUp = [];
  identity({ name: 'ann' });
  identity({ name: 'bob', dailyCap: 30 });
  new PoolStore(store.db).put('sales', [{ identity: 'ann', weight: 1 }, { identity: 'bob', weight: 1 }], NOW);
  contacts('leads', [['a@x.test', { first_name: 'A' }], ['b@y.test', { first_name: 'B' }], ['c@z.test']]);
});

afterEach(() => store.cleanup());

describe('preflight', () => {
  it('passes a sound campaign: every check in order, ok, and the estimate', async () => {
    const r = await preflight(deps(), campaign());
    assert.deepEqual(r.items.map((i) => [i.check, i.status]), [
      ['identities', 'pass'], [`auth:${DOMAIN}`, 'pass'], ['unsubscribe', 'pass'], ['list', 'pass'],
      ['templates', 'pass'], ['links', 'pass'], ['tracking', 'pass'], ['capacity', 'pass'],
    ]);
    assert.equal(r.ok, true);
    assert.equal(r.campaign, 'spring');
    assert.deepEqual(r.estimate, { contacts: 3, dailyCapacity: 80, days: 1 });
    assert.deepEqual(lookedUp, [DOMAIN]);
    assert.match(find(r, 'identities').message, /pool sales: 2 active identities \(ann, bob\)/);
  });

  it('fails an unknown pool and an unknown identity', async () => {
    const r = await preflight(deps(), campaign({ pool: 'nope' }));
    assert.equal(find(r, 'identities').status, 'fail');
    assert.match(find(r, 'identities').message, /no pool nope/);
    assert.equal(r.ok, false);
    assert.ok(!r.items.some((i) => i.check.startsWith('auth:')), 'no domains to check without identities');
    const one = await preflight(deps(), campaign({ pool: undefined, identity: 'ghost' }));
    assert.match(find(one, 'identities').message, /no identity ghost/);
    assert.equal(find(one, 'identities').status, 'fail');
  });

  it('fails a paused identity, naming it and its reason; it adds nothing to capacity', async () => {
    new IdentityStore(store.db).setState('bob', 'paused', { reason: 'complaint rate 0.4%', by: 'auto', now: NOW });
    const r = await preflight(deps(), campaign());
    const it = find(r, 'identities');
    assert.equal(it.status, 'fail');
    assert.match(it.message, /bob \(complaint rate 0\.4%\)/);
    assert.doesNotMatch(it.message, /ann/);
    assert.equal(r.estimate.dailyCapacity, 50);
  });

  it('fails a domain whose SPF fails, with the fix carried', async () => {
    reports.set(DOMAIN, report(DOMAIN, { spf: ['fail', 'no SPF record', 'publish v=spf1 include:provider.test -all'] }));
    const r = await preflight(deps(), campaign());
    const auth = find(r, `auth:${DOMAIN}`);
    assert.equal(auth.status, 'fail');
    assert.match(auth.message, /SPF fail: no SPF record/);
    assert.match(auth.message, /DKIM pass/);
    assert.equal(auth.fix, 'publish v=spf1 include:provider.test -all');
    assert.equal(r.ok, false);
  });

  it('fails a domain whose DKIM lookup could not be made (unknown is never a pass)', async () => {
    reports.set(DOMAIN, report(DOMAIN, { dkim: ['unknown', 'TXT s1._domainkey.acme.test: SERVFAIL', 'retry; DNS did not answer'] }));
    const auth = find(await preflight(deps(), campaign()), `auth:${DOMAIN}`);
    assert.equal(auth.status, 'fail');
    assert.match(auth.message, /DKIM unknown: TXT s1\._domainkey/);
  });

  it('judges PTR for mta identities only', async () => {
    identity({ name: 'mta1', from: 'mta1@direct.test', via: 'mta', relayHost: undefined, source: '192.0.2.9' });
    new PoolStore(store.db).put('sales', [{ identity: 'ann', weight: 1 }, { identity: 'mta1', weight: 1 }], NOW);
    for (const d of [DOMAIN, 'direct.test']) reports.set(d, report(d, { ptr: ['fail', 'no PTR record for 192.0.2.9', 'ask the IP\'s owner to set its PTR'] }));
    const r = await preflight(deps(), campaign());
    const relay = find(r, `auth:${DOMAIN}`);
    assert.equal(relay.status, 'pass');
    assert.match(relay.message, /PTR n\/a \(relay/);
    const mta = find(r, 'auth:direct.test');
    assert.equal(mta.status, 'fail');
    assert.match(mta.message, /PTR fail: no PTR record/);
    assert.match(mta.fix ?? '', /set its PTR/);
  });

  it('warns (does not fail) for a loopback or plain-http unsubscribe URL', async () => {
    for (const url of ['http://127.0.0.1:8025', 'https://localhost:8443', 'http://[::1]:80', 'http://petrel.acme.test']) {
      const r = await preflight(deps({ unsubscribe: { url, mailtoDomain: 'localhost' } }), campaign());
      const unsub = find(r, 'unsubscribe');
      assert.equal(unsub.status, 'warn', url);
      assert.match(unsub.fix ?? '', /campaigns\.publicUrl/);
      assert.equal(r.ok, true);
    }
  });

  it('fails a list with suppressed members: global or for a sending domain, live only', async () => {
    contacts('leads', [['d@w.test'], ['e@v.test'], ['f@u.test']]);
    const s = new SuppressionStore(store.db);
    s.add({ address: 'a@x.test', reason: 'hard-bounce' }, NOW);
    s.add({ address: 'b@y.test', scope: DOMAIN, reason: 'unsubscribe' }, NOW);
    s.add({ address: 'c@z.test', scope: 'other.test', reason: 'unsubscribe' }, NOW);
    s.add({ address: 'd@w.test', reason: 'manual', expiresAt: NOW - 1, at: NOW - 10 }, NOW - 10);
    const r = await preflight(deps(), campaign());
    const list = find(r, 'list');
    assert.equal(list.status, 'fail');
    assert.match(list.message, /^2 of 6 members of list leads are suppressed: a@x\.test, b@y\.test$/);
    assert.match(list.fix ?? '', /--force/);
    assert.equal(r.estimate.contacts, 4);
  });

  it('lists at most 10 suppressed addresses and the count of the rest', async () => {
    const rows: Array<[string]> = Array.from({ length: 12 }, (_, i) => [`s${String(i).padStart(2, '0')}@x.test`]);
    contacts('leads', rows);
    new SuppressionStore(store.db).addMany(rows.map(([address]) => ({ address, reason: 'complaint' as const })), NOW);
    const list = find(await preflight(deps(), campaign()), 'list');
    assert.match(list.message, /^12 of 15 members .*s09@x\.test, and 2 more$/);
  });

  it('fails a missing or empty list', async () => {
    assert.match(find(await preflight(deps(), campaign({ list: 'none' })), 'list').message, /no list none/);
    store.db.prepare('INSERT INTO lists (name, created_at) VALUES (?, ?)').run('empty', NOW);
    const empty = find(await preflight(deps(), campaign({ list: 'empty' })), 'list');
    assert.equal(empty.status, 'fail');
    assert.match(empty.message, /empty/);
  });

  it('fails a template with a syntax error, naming the step and part', async () => {
    const c = campaign({ steps: [{ delay: 0, subject: 'Hi', text: 'ok' }, { delay: '2d', text: 'Hello {{first_name' }] });
    const t = find(await preflight(deps(), c), 'templates');
    assert.equal(t.status, 'fail');
    assert.match(t.message, /step 2 text: unclosed \{\{/);
  });

  it('warns for a field used without a fallback, with how many contacts lack it', async () => {
    contacts('leads', [['d@w.test', { first_name: ' ', company: 'D' }]]);
    const c = campaign({ steps: [{ delay: 0, subject: 'For {{company}}', text: 'Hi {{first_name}} at {{email}}' }] });
    const t = find(await preflight(deps(), c), 'templates');
    assert.equal(t.status, 'warn');
    assert.match(t.message, /company missing for 3 contacts/);
    assert.match(t.message, /first_name missing for 2 contacts/);
    assert.doesNotMatch(t.message, /email/);
    assert.deepEqual((t.details as { missing: Record<string, number> }).missing, { company: 3, email: 0, first_name: 2 });
  });

  it('checks variants too, and warns when no compiler is given', async () => {
    const c = campaign({ steps: [{ delay: 0, subject: 'Hi', text: 'x', variants: [{ text: 'a' }, { id: 'bee', subject: '{{oops' }] }] });
    assert.match(find(await preflight(deps(), c), 'templates').message, /step 1 variant bee subject: unclosed/);
    const none = { ...deps() };
    delete none.compile;
    assert.equal(find(await preflight(none, c), 'templates').status, 'warn');
  });

  it('fails a link whose domain is listed, naming the list; warns an unknown lookup', async () => {
    listed.set('spam.test', { listed: true, lists: ['dbl.spamhaus.org'] });
    listed.set('maybe.test', { listed: false, lists: [], unknown: 'dbl.spamhaus.org answered 127.255.255.254' });
    const steps = [{ delay: 0, subject: 'Hi', text: 'see https://x.spam.test/a', html: '<a href="https://maybe.test/q?a=1&amp;b=2">x</a> <a href="//www.acme.test/">y</a>' }];
    const links = find(await preflight(deps(), campaign({ steps })), 'links');
    assert.equal(links.status, 'fail');
    assert.match(links.message, /spam\.test is listed on dbl\.spamhaus\.org/);
    assert.match(links.message, /maybe\.test: lookup failed \(dbl\.spamhaus\.org answered/);
    assert.deepEqual(lookedUp.sort(), [DOMAIN, 'maybe.test', 'spam.test']);
    listed.delete('spam.test');
    assert.equal(find(await preflight(deps(), campaign({ steps })), 'links').status, 'warn');
  });

  it('warns about URL shorteners; passes "no links" when there are none', async () => {
    const links = find(await preflight(deps(), campaign({ steps: [{ delay: 0, subject: 'Hi', text: 'https://bit.ly/3xyz and https://acme.test' }] })), 'links');
    assert.equal(links.status, 'warn');
    assert.match(links.message, /bit\.ly is a URL shortener/);
    const none = find(await preflight(deps(), campaign({ steps: [{ delay: 0, subject: 'Hi', text: 'no links here' }] })), 'links');
    assert.deepEqual([none.status, none.message], ['pass', 'no links']);
  });

  it('requires an https tracking host and warns that tracking hurts cold outreach', async () => {
    const http = find(await preflight(deps(), campaign({ tracking: { opens: true, host: 'http://t.acme.test' } })), 'tracking');
    assert.equal(http.status, 'fail');
    assert.match(http.message, /not https/);
    const https = find(await preflight(deps(), campaign({ tracking: { opens: true, host: 'https://t.acme.test' } })), 'tracking');
    assert.equal(https.status, 'warn');
    assert.match(https.message, /Apple Mail Privacy Protection/);
  });

  it('fails when dailyLimit exceeds what the pool can send today', async () => {
    const r = await preflight(deps(), campaign({ dailyLimit: 500 }));
    const cap = find(r, 'capacity');
    assert.equal(cap.status, 'fail');
    assert.match(cap.message, /dailyLimit 500 but the pool can send 80 a day today; lower dailyLimit or add identities/);
  });

  it('estimates days for step 1 and for every step, with warm-up ramps and dailyLimit', async () => {
    identity({ name: 'warm', dailyCap: undefined, warmup: '10,5,40' });
    new PoolStore(store.db).put('sales', [{ identity: 'ann', weight: 1 }, { identity: 'warm', weight: 1 }], NOW);
    contacts('leads', Array.from({ length: 177 }, (_, i): [string] => [`n${i}@big.test`]));
    const r = await preflight(deps(), campaign());
    assert.deepEqual(r.estimate, { contacts: 180, dailyCapacity: 60, days: 3 });
    assert.match(find(r, 'capacity').message, /step 1 to 180 contacts at 60 a day: ~3 days; 360 messages in all \(2 steps\): ~6 days/);
    const limited = await preflight(deps(), campaign({ dailyLimit: 50 }));
    assert.deepEqual(limited.estimate, { contacts: 180, dailyCapacity: 60, days: 4 });
    assert.equal(find(limited, 'capacity').status, 'pass');
  });

  it('has no capacity bound when an identity has no cap', async () => {
    identity({ name: 'free', dailyCap: undefined });
    new PoolStore(store.db).put('sales', [{ identity: 'free', weight: 1 }], NOW);
    const r = await preflight(deps(), campaign());
    assert.deepEqual(r.estimate, { contacts: 3, dailyCapacity: null, days: null });
    assert.match(find(r, 'capacity').message, /as fast as delivery allows/);
  });

  it('turns a check that throws into its own fail; the others still run', async () => {
    const r = await preflight(deps({ checkDomain: async () => { throw new Error('resolver exploded'); } }), campaign());
    const auth = find(r, `auth:${DOMAIN}`);
    assert.deepEqual([auth.status, auth.message], ['fail', 'check failed: resolver exploded']);
    assert.deepEqual(r.items.filter((i) => i.status !== 'pass').map((i) => i.check), [`auth:${DOMAIN}`]);
    assert.equal(r.items.length, 8);
    const broken = await preflight(deps({ listedDomain: async () => { throw new Error('no network'); } }), campaign());
    assert.match(find(broken, 'links').message, /acme\.test: lookup failed \(no network\)/);
  });

  it('survives a broken store: the checks that read it fail, the rest run', async () => {
    store.db.exec('DROP TABLE list_members');
    const r = await preflight(deps(), campaign());
    assert.equal(find(r, 'list').status, 'fail');
    assert.match(find(r, 'list').message, /check failed: .*list_members/);
    assert.equal(find(r, 'capacity').status, 'fail');
    assert.equal(find(r, 'tracking').status, 'pass');
    assert.deepEqual(r.estimate, { contacts: 0, dailyCapacity: null, days: null });
  });
});

describe('renderPreflight', () => {
  it('prints a verdict, one marked line per item with its fix below, then the estimate', async () => {
    reports.set(DOMAIN, report(DOMAIN, { dmarc: ['fail', 'no DMARC record', 'publish _dmarc TXT v=DMARC1; p=none'] }));
    const text = renderPreflight(await preflight(deps({ unsubscribe: { url: 'http://127.0.0.1:8025', mailtoDomain: 'localhost' } }), campaign()));
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'campaign spring: not ready (1 failed, 1 warning)');
    assert.match(lines[1]!, /^ {2}PASS {2}identities {2}/);
    assert.match(lines[2]!, /^ {2}FAIL {2}auth:acme\.test {2}.*DMARC fail: no DMARC record/);
    assert.match(lines[3]!, /^ {8,}fix: publish _dmarc TXT/);
    assert.match(text, /\n {2}WARN {2}unsubscribe +one-click/);
    assert.equal(lines.at(-1), 'estimate: 3 contacts, 80 a day, step 1 in 1 day');
  });
});

describe('extractUrls', () => {
  it('finds text and href links without trailing punctuation', () => {
    assert.deepEqual(extractUrls('Go to https://a.test/x. Or (http://b.test/y), "https://c.test" <a href="//d.test/z">'), [
      'https://a.test/x', 'http://b.test/y', 'https://c.test', 'https://d.test/z',
    ]);
    assert.deepEqual(extractUrls('ftp://e.test mailto:f@g.test'), []);
  });
});

describe('listedDomainFrom', () => {
  it('asks every domain list: listed names the lists, a refused query is unknown', async () => {
    const answers: Record<string, string[]> = { 'spam.test.dbl.example': ['127.0.1.2'], 'spam.test.uri.example': [], 'odd.test.dbl.example': ['127.255.255.254'], 'odd.test.uri.example': [] };
    const resolver = { a: async (name: string) => answers[name] ?? [] } as unknown as HealthContext['resolver'];
    const lookup = listedDomainFrom({ resolver, blocklists: { ip: [], domain: ['dbl.example', 'uri.example'] } });
    assert.deepEqual(await lookup('spam.test'), { listed: true, lists: ['dbl.example'] });
    assert.deepEqual(await lookup('clean.test'), { listed: false, lists: [] });
    const odd = await lookup('odd.test');
    assert.equal(odd.listed, false);
    assert.match(odd.unknown ?? '', /dbl\.example answered 127\.255\.255\.254/);
  });
});
