// What stops a sequence, end to end: a one-click unsubscribe with curl (GET only shows the page), a
// mail to the unsubscribe address, a reply sent with swaks to Petrel's MX (and the company with
// companyReply), an out-of-office that only pauses it, a 5.1.1 at RCPT. And the DKIM signature of a
// campaign message, verified by python3-dkim, covers List-Unsubscribe and List-Unsubscribe-Post.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { body, campaignCli, contactStates, createCampaign, header, importContacts, tempFile, toContact } from '../kit/campaigns.js';
import { eventually, eventuallyAsync, suppressionsOf } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { curl, swaks } from '../kit/peers.js';
import { ROOT, startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';
import { runTool } from '../kit/tools.js';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const USER_UNKNOWN = '550 5.1.1 <dead@gone.test>: Recipient address rejected: User unknown in local recipient table';

const STOPS = `name: stops
list: leads
identity: r1
schedule: always
stopOn: [reply, companyReply, bounce, unsubscribe, complaint]
steps:
  - delay: 0
    subject: "Hello {{company}}"
    text: "Hi {{first_name}}, a question for {{company}}."
  - delay: 1h
    text: "Second note."
`;

const BOUNCES = `name: bounces
list: dead
identity: rb
schedule: always
steps:
  - { delay: 0, subject: "Hello", text: "Hi there." }
  - { delay: 1h, text: "Again." }
`;

describe('campaigns: replies, unsubscribes, bounces and auto-replies stop (or do not stop) a contact', () => {
  let p: Petrel;
  let sink: Sink;
  let bouncer: Sink;
  const first = (address: string): SinkMessage => toContact(sink.messages(), address)[0]!;
  let hooks: Server;
  const received: Array<{ type: string; recipient: string | null; data: Record<string, unknown> }> = [];
  const leads = ['unsub@u.test', 'mailto@m.test', 'replier@acme.test', 'colleague@acme.test', 'ooo@ooo.test', 'calm@calm.test'];

  before(async () => {
    const [a, b] = await freePorts(2);
    sink = await startSink('127.0.0.1', a!);
    bouncer = await startSink('127.0.0.1', b!, ['-f', 'RCPT', '-B', USER_UNKNOWN]);
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local'] }],
    });
    hooks = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push(...(JSON.parse(text) as { events: typeof received }).events);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const hook = await p.cli(['webhook', 'add', `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks`, '--events', 'campaign.sent,contact.replied,contact.unsubscribed,contact.bounced,contact.stopped,contact.auto_replied']);
    assert.equal(hook.code, 0, hook.stderr);
    await relayIdentity(p, 'r1', sink);
    await relayIdentity(p, 'rb', bouncer);
    await importContacts(p, 'leads', leads.map((email, i) => ({ email, first_name: `N${i}`, company: email.split('@')[1]! })));
    await createCampaign(p, STOPS);
    await campaignCli(p, ['start', 'stops', '--force']);
    await eventually(() => leads.every((l) => toContact(sink.messages(), l).length === 1), () => `step 1: ${sink.messages().length}`);
  });
  after(async () => {
    await Promise.allSettled([sink?.stop(), bouncer?.stop(), new Promise((r) => hooks?.close(r))]);
    await p?.dispose();
  });

  const unsubscribeUrl = (m: SinkMessage) => /<(http[^>]+)>/.exec(header(m, 'List-Unsubscribe')!)![1]!;
  const unsubscribeMailto = (m: SinkMessage) => /<mailto:([^?>]+)/.exec(header(m, 'List-Unsubscribe')!)![1]!;

  test('one-click: GET only shows a button; POST List-Unsubscribe=One-Click unsubscribes (idempotent) and suppresses', async () => {
    const url = unsubscribeUrl(first('unsub@u.test'));
    const page = await curl(['-s', '-w', '\n%{http_code}', url]);
    assert.match(page.stdout, /<form method="post"[^>]*>.*name="List-Unsubscribe" value="One-Click"/s);
    assert.match(page.stdout, /\n200$/);
    assert.equal((await contactStates(p, 'stops'))['unsub@u.test']!.state, 'active', 'a GET changes nothing');
    for (let i = 0; i < 2; i++) {
      const r = await curl(['-s', '-w', '\n%{http_code}', '-X', 'POST', '-d', 'List-Unsubscribe=One-Click', url]);
      assert.match(r.stdout, /\n200$/, r.stdout);
    }
    const forged = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-d', 'List-Unsubscribe=One-Click', url.replace(/.(?=$)/, (c) => (c === '0' ? '1' : '0'))]);
    assert.equal(forged.stdout, '404');
    const state = (await contactStates(p, 'stops'))['unsub@u.test']!;
    assert.equal(state.state, 'unsubscribed');
    assert.deepEqual(suppressionsOf(p, 'unsub@u.test').map((s) => [s.scope, s.reason]), [['', 'unsubscribe']]);
  });

  test('mail to the mailto: unsubscribe address unsubscribes too', async () => {
    const to = unsubscribeMailto(first('mailto@m.test'));
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'mailto@m.test', '--to', to, '--header', 'Subject: unsubscribe', '--body', 'unsubscribe']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await eventuallyAsync(async () => (await contactStates(p, 'stops'))['mailto@m.test']!.state === 'unsubscribed', () => 'mailto unsubscribe not applied');
    const forged = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'x@m.test', '--to', to.replace(/.(?=@)/, (c) => (c === '0' ? '1' : '0')), '--quit-after', 'RCPT']);
    assert.notEqual(forged.code, 0, 'a forged token is refused at RCPT');
  });

  test('a reply to step 1 (swaks to our MX) stops the contact, and its company with companyReply', async () => {
    const id = header(first('replier@acme.test'), 'Message-ID')!;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'replier@acme.test', '--to', 'r1@outreach.test',
      '--header', 'Subject: Re: Hello acme.test', '--header', `In-Reply-To: ${id}`, '--header', `References: ${id}`, '--body', 'Yes, tell me more.']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await eventuallyAsync(async () => (await contactStates(p, 'stops'))['replier@acme.test']!.state === 'replied', () => 'reply not seen');
    const states = await contactStates(p, 'stops');
    assert.equal(states['colleague@acme.test']!.state, 'stopped');
    assert.match(states['colleague@acme.test']!.reason!, /company replied \(replier@acme\.test\)/);
  });

  test('an out-of-office auto-reply does not stop the sequence: it pauses it (no return stated: autoReplyPauseDays)', async () => {
    const id = header(first('ooo@ooo.test'), 'Message-ID')!;
    const r = await swaks(['--server', `127.0.0.1:${p.ports.mx}`, '--from', 'ooo@ooo.test', '--to', 'r1@outreach.test',
      '--header', 'Subject: Out of Office', '--header', 'Auto-Submitted: auto-replied', '--header', `In-Reply-To: ${id}`, '--body', 'I am away.']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const events = await eventuallyAsync(async () => {
      const out = await p.cli(['events', 'list', '--type', 'contact.auto_replied', '--json']);
      return out.stdout.includes('ooo@ooo.test') && out.stdout;
    }, () => 'no contact.auto_replied event');
    assert.match(events, /ooo@ooo\.test/);
    const ooo = (await contactStates(p, 'stops'))['ooo@ooo.test']!;
    assert.equal(ooo.state, 'active');
    assert.match(ooo.reason!, /^out of office until \d{4}-\d\d-\d\d$/);
  });

  test('after the delay, step 2 goes only to contacts that were not stopped; the one out of office gets it after its pause', async () => {
    await p.advance(3_600_000 + 1000);
    await eventually(() => toContact(sink.messages(), 'calm@calm.test').length === 2, () => 'step 2 not sent');
    assert.equal(toContact(sink.messages(), 'ooo@ooo.test').length, 1, 'paused until the return');
    await p.advance(3 * 86_400_000);
    await eventually(() => toContact(sink.messages(), 'ooo@ooo.test').length === 2, () => 'step 2 not sent after the pause');
    await new Promise((r) => setTimeout(r, 500));
    for (const stopped of ['unsub@u.test', 'mailto@m.test', 'replier@acme.test', 'colleague@acme.test']) {
      assert.equal(toContact(sink.messages(), stopped).length, 1, `${stopped} got a step after it stopped`);
    }
    const s = JSON.parse(await campaignCli(p, ['status', 'stops', '--json']));
    assert.deepEqual({ ...s.steps[0], subject: undefined, delay: undefined }, { step: 1, variant: null, subject: undefined, delay: undefined, sent: 6, delivered: 6, bounced: 0, replied: 1, unsubscribed: 2, complained: 0 });
    assert.deepEqual(s.contacts, { pending: 0, active: 0, finished: 2, replied: 1, bounced: 0, unsubscribed: 2, complained: 0, stopped: 1, paused: 0 });
  });

  test('a 5.1.1 at RCPT stops the contact as bounced', async () => {
    await importContacts(p, 'dead', [{ email: 'dead@gone.test' }]);
    await createCampaign(p, BOUNCES);
    await campaignCli(p, ['start', 'bounces', '--force']);
    await eventuallyAsync(async () => (await contactStates(p, 'bounces'))['dead@gone.test']!.state === 'bounced', () => 'not bounced');
    const out = await p.cli(['events', 'list', '--type', 'contact.bounced', '--json']);
    assert.match(out.stdout, /dead@gone\.test/);
    assert.match(out.stdout, /5\.1\.1/);
  });

  test('python3-dkim verifies a campaign message; the signature covers List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const records = JSON.parse((await p.cli(['domain', 'records', 'outreach.test', '--json'])).stdout) as Array<{ name: string; type: string; value: string; purpose: string }>;
    const keys = Object.fromEntries(records.filter((r) => r.type === 'TXT' && /_domainkey/.test(r.name)).map((r) => [r.name.replace(/\.$/, '').toLowerCase(), r.value]));
    const m = first('calm@calm.test');
    const file = tempFile('campaign.eml', '');
    writeFileSync(file, Buffer.from(m.content.replace(/\r?\n/g, '\r\n')));
    const r = await runTool('/usr/bin/python3', [join(ROOT, 'test', 'peers', 'dkim_verify.py'), file, JSON.stringify(keys)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { results } = JSON.parse(r.stdout) as { results: Array<{ ok: boolean; h: string[] }> };
    assert.ok(results.length >= 1);
    for (const x of results) {
      assert.ok(x.h.includes('list-unsubscribe') && x.h.includes('list-unsubscribe-post'), x.h.join(':'));
    }
    assert.match(body(m), /Hi N5, a question for calm\.test\./);
  });

  test('webhooks receive the campaign events: campaign.sent and each contact stop', async () => {
    const want = ['campaign.sent:calm@calm.test', 'contact.unsubscribed:unsub@u.test', 'contact.unsubscribed:mailto@m.test',
      'contact.replied:replier@acme.test', 'contact.stopped:colleague@acme.test', 'contact.auto_replied:ooo@ooo.test', 'contact.bounced:dead@gone.test'];
    await eventually(() => want.every((w) => received.some((e) => `${e.type}:${e.recipient}` === w)), () => `missing: ${want.filter((w) => !received.some((e) => `${e.type}:${e.recipient}` === w)).join(', ')}`);
    const sent = received.filter((e) => e.type === 'campaign.sent' && e.data['campaign'] === 'stops');
    assert.equal(sent.length, 8, 'six step 1 and two step 2 sends');
    assert.ok(received.every((e) => typeof e.data['campaign'] === 'string'));
  });
});
