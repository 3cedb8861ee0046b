// Warm-up on a clock the test moves: an identity ramping 2,1,10 (2 sends on day 1, one more each day,
// up to 10) gets exactly its ramp's cap each day for 20 days, the excess waits for the next day, and
// counters and the ramp survive a restart of the server on day 10.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { eventually, recipientsOf } from '../kit/delivery.js';
import { identities, relayIdentity } from '../kit/identities.js';
import { tag } from '../kit/mail.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const DAY = 86_400_000;
const ramp = (day: number) => Math.min(10, 2 + (day - 1));

describe('warm-up ramp over 20 days', () => {
  let p: Petrel;
  let api: Api;
  let sink: Sink;

  before(async () => {
    sink = await startSink('127.0.0.1', await freePort());
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    // Start the test just after midnight UTC, so a test day never straddles two calendar days.
    const now = Date.now();
    await p.advance(Math.ceil(now / DAY) * DAY + 60_000 - now);
    await relayIdentity(p, 'warm', sink, ['--warmup', '2,1,10', '--daily-cap', '40']);
  });
  after(async () => {
    await sink?.stop();
    await p?.dispose();
  });

  /** Queue `n` messages; wait until today's cap went out and the rest waits. */
  async function sendDay(day: number, n: number, subject: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await api.send({ identity: 'warm', to: `d${day}-${i}@remote.test`, subject, text: 'hi' }));
    return ids;
  }

  const states = (ids: string[]) => ids.flatMap((id) => recipientsOf(p, id)).map((r) => r.state);

  test('the cap follows the ramp, the excess waits a day, and a restart on day 10 changes nothing', async () => {
    const subject = tag('warm');
    let sent = 0;
    let waiting: string[] = [];
    for (let day = 1; day <= 20; day++) {
      if (day > 1) await p.advance(DAY);
      if (day === 10) await p.restart();
      const listed = (await identities(p))['warm'];
      assert.equal(listed.warmupDay, day, `day ${day}: ${JSON.stringify(listed)}`);
      assert.equal(listed.capToday, ramp(day), `day ${day}`);
      assert.equal(listed.state, day >= 9 ? 'active' : 'warming', `day ${day}`);
      // Yesterday's waiting mail goes first, then today's new mail, up to today's cap.
      const fresh = await sendDay(day, ramp(day) + 2 - Math.min(waiting.length, ramp(day)), subject);
      const all = [...waiting, ...fresh];
      const expect = Math.min(all.length, ramp(day));
      sent += expect;
      await sink.waitForContent(subject, sent);
      const result = await eventually(() => {
        const s = states(all);
        return s.filter((x) => x === 'delivered').length === expect && s.filter((x) => x === 'throttled').length === all.length - expect && s;
      }, () => `day ${day}: ${JSON.stringify(states(all))}`);
      assert.equal(result.length, all.length);
      waiting = all.filter((id) => recipientsOf(p, id)[0]!.state === 'throttled');
      if (day === 9) {
        const before = (await identities(p))['warm'];
        assert.equal(before.sentToday, expect);
      }
      const after = (await identities(p))['warm'];
      assert.equal(after.sentToday, expect, `day ${day}`);
    }
    assert.equal(sink.messages().filter((m) => m.content.includes(subject)).length, sent, 'never more than the ramp allowed');
  });
});
