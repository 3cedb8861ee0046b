// A 3-step campaign end to end: contacts imported with the CLI, the acceptance campaign file as it
// is, a pool of three relay identities each in front of its own postfix smtp-sink, and a clock the
// test moves. Personalisation and spintax as rendered, follow-ups threaded in the delivered bytes and
// sent by the identity of step 1, a missing field pausing its contact, status figures per step.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { body, campaignCli, contactStates, createCampaign, header, importContacts, status, toContact } from '../kit/campaigns.js';
import { eventually, eventuallyAsync } from '../kit/delivery.js';
import { mailFrom, relayIdentity } from '../kit/identities.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';

const ACCEPTANCE = `name: bar08
list: bar
pool: p
schedule: always
steps:
  - delay: 0
    subject: "Quick question, {{first_name}}"
    text: "{Hi|Hello} {{first_name | \\"there\\"}}, is {{company}} hiring?"
  - delay: 40s
    text: "Following up on my note."
`;

const THREE_STEPS = `name: three
list: three
pool: p
fromName: Sam from Petrel
schedule: always
steps:
  - delay: 0
    subject: "{{company}} and Petrel"
    text: "{Hi|Hello|Hey} {{first_name | \\"there\\"}}, quick one about {{company}}."
  - delay: 2h
    text: "Any thoughts, {{first_name | \\"friend\\"}}?"
  - delay: 2 business days
    text: "Last note from me."
`;

describe('campaigns: a 3-step sequence over a pool of relay identities', () => {
  let p: Petrel;
  const sinks: Sink[] = [];
  const all = (): SinkMessage[] => sinks.flatMap((s) => s.messages());

  before(async () => {
    for (const port of await freePorts(3)) sinks.push(await startSink('127.0.0.1', port));
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local'] }],
    });
    for (const [i, name] of ['r1', 'r2', 'r3'].entries()) await relayIdentity(p, name, sinks[i]!);
    const r = await p.cli(['pool', 'add', 'p', '--identity', 'r1', '--identity', 'r2', '--identity', 'r3']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await Promise.allSettled(sinks.map((s) => s.stop()));
    await p?.dispose();
  });

  test('the acceptance file is accepted as it is and renders fields, fallbacks and spintax', async () => {
    await importContacts(p, 'bar', [
      { email: 'ada@acme.test', first_name: 'Ada', company: 'Acme' },
      { email: 'nobody@beta.test', first_name: '', company: 'Beta' },
      { email: 'nocompany@gamma.test', first_name: 'Gus', company: '' },
    ]);
    await createCampaign(p, ACCEPTANCE);
    const started = await p.cli(['campaign', 'start', 'bar08', '--force']);
    assert.equal(started.code, 0, started.stderr + started.stdout);
    assert.match(started.stdout, /campaign bar08: running/);
    await eventually(() => toContact(all(), 'ada@acme.test').length === 1, () => `got ${all().length}`);
    const ada = toContact(all(), 'ada@acme.test')[0]!;
    assert.equal(header(ada, 'Subject'), 'Quick question, Ada');
    assert.match(body(ada), /^(Hi|Hello) Ada, is Acme hiring\?/);
    const states = await contactStates(p, 'bar08');
    assert.equal(states['nocompany@gamma.test']!.state, 'paused');
    assert.match(states['nocompany@gamma.test']!.reason!, /step 1 text: no value for company/);
    assert.equal(states['nobody@beta.test']!.state, 'paused', 'the subject has no fallback for first_name');
    assert.match(states['nobody@beta.test']!.reason!, /step 1 subject: no value for first_name/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(toContact(all(), 'nocompany@gamma.test').length + toContact(all(), 'nobody@beta.test').length, 0, 'never "Hi ," or "is  hiring?"');
  });

  test('three steps: follow-ups reply in the thread of step 1, from the same identity, at their delays', async () => {
    const contacts = Array.from({ length: 6 }, (_, i) => ({ email: `lead${i}@corp${i}.test`, first_name: i === 5 ? '' : `Lead${i}`, company: `Corp${i}` }));
    await importContacts(p, 'three', contacts);
    await createCampaign(p, THREE_STEPS);
    await campaignCli(p, ['start', 'three', '--force']);
    await eventually(() => contacts.every((c) => toContact(all(), c.email).length === 1), () => `step 1: ${all().length}`);
    const firsts = contacts.map((c) => toContact(all(), c.email)[0]!);
    assert.deepEqual(new Set(firsts.map((m) => mailFrom(m))).size, 3, 'the pool spreads new contacts over its identities');
    for (const [i, m] of firsts.entries()) {
      assert.equal(header(m, 'Subject'), `Corp${i} and Petrel`);
      assert.match(body(m), new RegExp(`^(Hi|Hello|Hey) ${i === 5 ? 'there' : `Lead${i}`}, quick one about Corp${i}\\.`));
      assert.equal(header(m, 'From'), `Sam from Petrel <${mailFrom(m)}>`);
      assert.equal(header(m, 'In-Reply-To'), undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(contacts.filter((c) => toContact(all(), c.email).length > 1).length, 0, 'step 2 waits for its delay');

    await p.advance(2 * 3_600_000 + 1000);
    await eventually(() => contacts.every((c) => toContact(all(), c.email).length === 2), () => 'step 2 not sent');
    // Step 3 is 2 business days later: at most 4 calendar days, whatever today is.
    await p.advance(4 * 86_400_000 + 1000);
    await eventually(() => contacts.every((c) => toContact(all(), c.email).length === 3), () => 'step 3 not sent');

    for (const [i, c] of contacts.entries()) {
      const [m1, m2, m3] = toContact(all(), c.email) as [SinkMessage, SinkMessage, SinkMessage];
      const id1 = header(m1, 'Message-ID')!;
      const id2 = header(m2, 'Message-ID')!;
      assert.equal(header(m2, 'Subject'), `Re: Corp${i} and Petrel`);
      assert.equal(header(m2, 'In-Reply-To'), id1);
      assert.equal(header(m2, 'References'), id1);
      assert.match(body(m2), new RegExp(`^Any thoughts, ${i === 5 ? 'friend' : `Lead${i}`}\\?`));
      assert.equal(header(m3, 'Subject'), `Re: Corp${i} and Petrel`);
      assert.equal(header(m3, 'In-Reply-To'), id2);
      assert.equal(header(m3, 'References'), `${id1} ${id2}`);
      assert.equal(mailFrom(m2), mailFrom(m1), 'step 2 leaves from the identity of step 1');
      assert.equal(mailFrom(m3), mailFrom(m1), 'step 3 too');
      for (const m of [m1, m2, m3]) {
        assert.match(header(m, 'List-Unsubscribe')!, /^<http:\/\/127\.0\.0\.1:\d+\/u\/[0-9a-z]{26}-[0-9a-f]{16}>, <mailto:unsub\+[0-9a-z]{26}-[0-9a-f]{16}@mail\.petrel\.test\?subject=unsubscribe>$/);
        assert.equal(header(m, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
      }
    }
    const s = await status(p, 'three');
    assert.deepEqual(s.steps.map((x: { step: number; sent: number; delivered: number }) => [x.step, x.sent, x.delivered]), [[1, 6, 6], [2, 6, 6], [3, 6, 6]]);
    assert.equal(s.contacts.finished, 6);
    await eventuallyAsync(async () => (await status(p, 'three')).state === 'finished', () => 'campaign not finished');
  });

  test('preview renders exactly what the next step is', async () => {
    const out = await campaignCli(p, ['preview', 'bar08', '--contact', 'ada@acme.test']);
    assert.match(out, /Subject: Re: Quick question, Ada/);
    assert.match(out, /In-Reply-To: <[0-9a-z]{26}@mail\.petrel\.test>/);
    assert.match(out, /Following up on my note\./);
    const missing = await p.cli(['campaign', 'preview', 'bar08', '--contact', 'nocompany@gamma.test', '--step', '1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /no value for company and no fallback/);
  });
});
