// Sending identities end to end: relay identities, each pointing at its own postfix smtp-sink, fed
// through the HTTP API (curl). Rotation over a pool is even or weighted and each sink sees only its
// identity's From and envelope; a daily cap holds exactly and the rest waits for the next day on a
// clock the test moves; the minimum gap is kept; a thread sticks to its first identity.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { attemptsOf, eventually, recipientsOf } from '../kit/delivery.js';
import { tag } from '../kit/mail.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { fromHeader, identities, mailFrom, relayIdentity } from '../kit/identities.js';

const DAY = 86_400_000;

describe('identities and pools: rotation, caps, gaps, sticky threads', () => {
  let p: Petrel;
  let api: Api;
  const sinks: Sink[] = [];

  before(async () => {
    const ports = await freePorts(6);
    for (const port of ports) sinks.push(await startSink('127.0.0.1', port));
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    for (const [i, name] of ['r1', 'r2', 'r3'].entries()) await relayIdentity(p, name, sinks[i]!);
    await relayIdentity(p, 'capped', sinks[3]!, ['--daily-cap', '5']);
    await relayIdentity(p, 'gapped', sinks[4]!, ['--min-gap-seconds', '1']);
    await relayIdentity(p, 'w1', sinks[5]!);
    await relayIdentity(p, 'w2', sinks[5]!);
    for (const args of [['pool', 'add', 'even', '--identity', 'r1', '--identity', 'r2', '--identity', 'r3'], ['pool', 'add', 'weighted', '--identity', 'w1', '--identity', 'w2', '--weight', 'w1=3']]) {
      const r = await p.cli(args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await Promise.allSettled(sinks.map((s) => s.stop()));
    await p?.dispose();
  });

  test('a pool rotates evenly; each sink receives only its identity\'s From and envelope sender', async () => {
    const subject = tag('rotate');
    for (let i = 0; i < 9; i++) await api.send({ pool: 'even', from: 'Sales Team <ignored@outreach.test>', to: `lead${i}@remote.test`, subject, text: 'hi' });
    for (const [i, name] of ['r1', 'r2', 'r3'].entries()) {
      const got = await sinks[i]!.waitForContent(subject, 3);
      assert.equal(got.length, 3, `${name} got ${got.length}`);
      for (const m of got) {
        assert.equal(mailFrom(m), `${name}@outreach.test`);
        assert.equal(fromHeader(m), `Sales Team <${name}@outreach.test>`);
      }
    }
  });

  test('a weighted pool gives 3:1 (least used per weight first)', async () => {
    const subject = tag('weighted');
    for (let i = 0; i < 8; i++) await api.send({ pool: 'weighted', to: `w${i}@remote.test`, subject, text: 'hi' });
    const got = await sinks[5]!.waitForContent(subject, 8);
    const counts = { w1: 0, w2: 0 } as Record<string, number>;
    for (const m of got) counts[mailFrom(m)!.split('@')[0]!]!++;
    assert.deepEqual(counts, { w1: 6, w2: 2 });
  });

  test('a thread, and a reply to its first message, leave from the identity that sent first', async () => {
    const first = await api.send({ pool: 'even', thread: 'deal-42', to: 'buyer@remote.test', subject: tag('thread'), text: 'one' });
    await eventually(() => attemptsOf(p, first)[0]?.route === 'identity', () => 'first message not sent');
    const firstBy = await messageIdentity(first);
    for (let i = 0; i < 3; i++) {
      const next = await api.send({ pool: 'even', thread: 'deal-42', to: 'buyer@remote.test', subject: tag('follow-up'), text: 'again' });
      assert.equal(await messageIdentity(next), firstBy);
    }
    const reply = await api.send({ pool: 'even', to: 'buyer@remote.test', subject: 'Re: deal', text: 're', headers: { 'In-Reply-To': `<${first}@${p.hostname}>` } });
    assert.equal(await messageIdentity(reply), firstBy);
  });

  async function messageIdentity(id: string): Promise<string> {
    const r = await api.call('GET', `/v1/messages/${id}`, { as: 'read' });
    assert.equal(r.status, 200);
    return r.body.identity as string;
  }

  test('a daily cap of 5 sends exactly 5; the rest wait with a reason and their slot, and go the next day', async () => {
    const subject = tag('capped');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await api.send({ identity: 'capped', to: `cap${i}@remote.test`, subject, text: 'hi' }));
    await sinks[3]!.waitForContent(subject, 5);
    const waiting = await eventually(() => {
      const rows = ids.flatMap((id) => recipientsOf(p, id));
      return rows.filter((r) => r.state === 'throttled').length === 3 && rows;
    }, () => JSON.stringify(ids.flatMap((id) => recipientsOf(p, id))));
    assert.equal(waiting.filter((r) => r.state === 'delivered').length, 5);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(sinks[3]!.messages().filter((m) => m.content.includes(subject)).length, 5, 'nothing past the cap');
    const held = ids.find((id) => recipientsOf(p, id)[0]!.state === 'throttled')!;
    const shown = await p.cli(['queue', 'show', held]);
    assert.match(shown.stdout, /throttled, 0 attempts, throttled: daily cap \(identity capped\), next slot \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    const listed = (await identities(p))['capped'];
    assert.equal(listed.sentToday, 5);
    assert.equal(listed.capToday, 5);
    assert.equal(listed.state, 'active');
    await p.advance(DAY);
    await sinks[3]!.waitForContent(subject, 8);
    const rows = ids.flatMap((id) => recipientsOf(p, id));
    assert.deepEqual(rows.map((r) => r.state), Array(8).fill('delivered'));
  });

  test('the minimum gap between two sends is kept', async () => {
    const subject = tag('gap');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await api.send({ identity: 'gapped', to: `gap${i}@remote.test`, subject, text: 'hi' }));
    await sinks[4]!.waitForContent(subject, 4, 30_000);
    const times = await eventually(() => {
      const at = ids.map((id) => attemptAt(id));
      return at.every((t) => t !== undefined) && (at as number[]).sort((a, b) => a - b);
    }, () => 'attempts not recorded');
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 1000, `gap ${times[i]! - times[i - 1]!} ms`);
  });

  const attemptAt = (id: string): number | undefined => attemptsOf(p, id)[0]?.at;
});
