// Sending windows and time zones on a clock the test moves: with `timezone: contact`, a contact in
// Asia/Tokyo gets its step only within 09:00-17:00 Tokyo time while one in New York is served at
// once; mail due overnight is spread over the window, not sent at 09:00:00; a daily limit spaces new
// contacts over the day instead of starting them all at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { campaignCli, contactStates, createCampaign, header, importContacts, toContact } from '../kit/campaigns.js';
import { eventually, eventuallyAsync } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const HOUR = 3_600_000;

/** The hour of day of `ms` in `zone` (0-23). */
function hourIn(ms: number, zone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms)));
}

describe('campaigns: windows in each contact\'s time zone, spreading, daily limits', () => {
  let p: Petrel;
  let sink: Sink;
  const now = () => Date.now() + p.clockOffset;

  before(async () => {
    sink = await startSink('127.0.0.1', await freePort());
    p = await startPetrel({
      clock: true,
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    await relayIdentity(p, 'r1', sink);
  });
  after(async () => {
    await sink?.stop();
    await p?.dispose();
  });

  test('a contact in Tokyo gets mail in its own hours; New York is served at once', async () => {
    // Move to the next 03:00 in Tokyo (13:00 or 14:00 in New York, inside its window).
    let target = now() + 60_000;
    while (hourIn(target, 'Asia/Tokyo') !== 3) target += 15 * 60_000;
    await p.advance(target - now());
    await importContacts(p, 'world', [
      { email: 'kenji@tokyo.test', first_name: 'Kenji', timezone: 'Asia/Tokyo' },
      { email: 'nora@ny.test', first_name: 'Nora', timezone: 'America/New_York' },
    ]);
    await createCampaign(p, `name: world
list: world
identity: r1
schedule: { timezone: contact, days: [sun, mon, tue, wed, thu, fri, sat], start: "09:00", end: "17:00" }
steps:
  - { delay: 0, subject: "Hello {{first_name}}", text: "Hi {{first_name}}." }
`);
    await campaignCli(p, ['start', 'world', '--force']);
    const [ny] = await sink.waitForContent('Hello Nora', 1);
    const sentAt = Date.parse(header(ny!, 'Date')!);
    assert.ok(hourIn(sentAt, 'America/New_York') >= 9 && hourIn(sentAt, 'America/New_York') < 17);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(toContact(sink.messages(), 'kenji@tokyo.test').length, 0, 'nothing at 03:00 in Tokyo');

    const kenji = await eventuallyAsync(async () => {
      const rows = JSON.parse(await campaignCli(p, ['contacts', 'world', '--json'])) as Array<{ email: string; nextAt: string | null }>;
      const row = rows.find((r) => r.email === 'kenji@tokyo.test');
      return row?.nextAt && Date.parse(row.nextAt) > now() + HOUR ? Date.parse(row.nextAt) : undefined;
    }, () => 'Kenji\'s step was not moved into his window');
    assert.ok(hourIn(kenji, 'Asia/Tokyo') >= 9 && hourIn(kenji, 'Asia/Tokyo') < 17, `moved to ${new Date(kenji).toISOString()}`);
    await p.advance(kenji - now() + 500);
    const [got] = await sink.waitForContent('Hello Kenji', 1);
    const at = Date.parse(header(got!, 'Date')!);
    assert.ok(hourIn(at, 'Asia/Tokyo') >= 9 && hourIn(at, 'Asia/Tokyo') < 17, `sent at ${new Date(at).toISOString()}`);
  });

  test('mail due outside the window is spread over the next window, not sent at its first second', async () => {
    let target = now() + 60_000;
    while (hourIn(target, 'UTC') !== 20) target += 15 * 60_000;
    await p.advance(target - now());
    const rows = Array.from({ length: 12 }, (_, i) => ({ email: `spread${i}@spread${i}.test`, first_name: `S${i}` }));
    await importContacts(p, 'spread', rows);
    await createCampaign(p, `name: spread
list: spread
identity: r1
schedule: { timezone: UTC, days: [sun, mon, tue, wed, thu, fri, sat], start: "09:00", end: "17:00" }
steps:
  - { delay: 0, subject: "Spread {{first_name}}", text: "Hi." }
`);
    await campaignCli(p, ['start', 'spread', '--force']);
    const due = await eventuallyAsync(async () => {
      const list = JSON.parse(await campaignCli(p, ['contacts', 'spread', '--json'])) as Array<{ nextAt: string | null }>;
      const times = list.map((r) => (r.nextAt ? Date.parse(r.nextAt) : NaN)).filter((t) => t > now() + HOUR);
      return times.length === 12 && times;
    }, () => 'not all moved to the window');
    for (const t of due) assert.ok(hourIn(t, 'UTC') >= 9 && hourIn(t, 'UTC') < 17);
    const minutes = due.map((t) => Math.round((t % 86_400_000) / 60_000));
    assert.ok(Math.max(...minutes) - Math.min(...minutes) >= 60, `spread over ${Math.max(...minutes) - Math.min(...minutes)} minutes only`);
    assert.equal(sink.messages().filter((m) => /Spread S/.test(m.content)).length, 0, 'nothing sent at 20:00');
  });

  test('a daily limit starts contacts one interval apart (4 a day: every 6 hours)', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ email: `paced${i}@paced${i}.test`, first_name: `P${i}` }));
    await importContacts(p, 'paced', rows);
    await createCampaign(p, `name: paced
list: paced
identity: r1
schedule: always
dailyLimit: 4
steps:
  - { delay: 0, subject: "Paced {{first_name}}", text: "Hi." }
`);
    await campaignCli(p, ['start', 'paced', '--force']);
    const count = () => sink.messages().filter((m) => /Subject: Paced P/.test(m.content)).length;
    await eventually(() => count() === 1, () => `first start: ${count()}`);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(count(), 1, 'one start per interval');
    await p.advance(6 * HOUR + 1000);
    await eventually(() => count() === 2, () => `after 6 h: ${count()}`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(count(), 2);
  });

  test('an identity at its daily cap: the rest wait in the campaign, not as throttled mail leaving at midnight', async () => {
    await relayIdentity(p, 'capped', sink, ['--daily-cap', '2']);
    let target = now() + 60_000;
    while (hourIn(target, 'UTC') !== 10) target += 15 * 60_000;
    await p.advance(target - now());
    await importContacts(p, 'capped', Array.from({ length: 4 }, (_, i) => ({ email: `cap${i}@cap${i}.test`, first_name: `K${i}` })));
    await createCampaign(p, `name: capped
list: capped
identity: capped
schedule: { timezone: UTC, days: [sun, mon, tue, wed, thu, fri, sat], start: "09:00", end: "17:00" }
steps:
  - { delay: 0, subject: "Capped {{first_name}}", text: "Hi." }
`);
    await campaignCli(p, ['start', 'capped', '--force']);
    const capped = () => sink.messages().filter((m) => /Subject: Capped K/.test(m.content));
    await eventually(() => capped().length === 2, () => `first day: ${capped().length}`);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(capped().length, 2);
    const throttled = JSON.parse((await p.cli(['queue', 'list', '--state', 'throttled', '--json'])).stdout) as unknown[];
    assert.equal(throttled.length, 0, 'nothing queued past the cap');
    assert.equal((await contactStates(p, 'capped'))['cap3@cap3.test']?.state ?? (await contactStates(p, 'capped'))['cap2@cap2.test']!.state, 'pending');
    await p.advance(24 * HOUR);
    await eventually(() => capped().length === 4, () => `second day: ${capped().length}`);
    for (const m of capped()) assert.ok(hourIn(Date.parse(header(m, 'Date')!), 'UTC') >= 9 && hourIn(Date.parse(header(m, 'Date')!), 'UTC') < 17);
  });
});
