// Provider shaping end to end, on a clock the test moves: an mta identity delivers by MX (found
// through the test DNS server) to postfix smtp-sinks posing as Gmail, Yahoo and a Spamhaus-checking
// host, whose fault injection answers with the providers' real reply texts. Gmail's 4.7.28 throttles
// the source towards google, Yahoo's TSS04 suspends it towards yahoo for 2 h (and ends on time, mail
// delivered afterwards, none lost), a Spamhaus block suspends the identity until it is resumed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { attemptsOf, eventsOf, eventually, eventuallyAsync, recipientsOf } from '../kit/delivery.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { cliOk, identity } from '../kit/identities.js';
import { tag } from '../kit/mail.js';
import { startPetrel, STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const GMAIL_RATE = '450 4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';
const YAHOO_TSS04 = '421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes';
const SPAMHAUS = '554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1';

const HOSTS = { gmail: '127.0.0.41', yahoo: '127.0.0.42', blocking: '127.0.0.43' } as const;

describe('provider shaping and automation rules', () => {
  let dns: TestDnsServer;
  let p: Petrel;
  let api: Api;
  let mxPort: number;
  const sinks: Partial<Record<keyof typeof HOSTS, Sink>> = {};

  before(async () => {
    mxPort = await freePort();
    dns = await startDnsServer({
      'gmail.test': { MX: [{ preference: 5, exchange: 'gmail-smtp-in.l.google.com' }] },
      'gmail-smtp-in.l.google.com': { A: [HOSTS.gmail] },
      'yahoo.test': { MX: [{ preference: 1, exchange: 'mta5.am0.yahoodns.net' }] },
      'mta5.am0.yahoodns.net': { A: [HOSTS.yahoo] },
      'strict.test': { MX: [{ preference: 10, exchange: 'mx.strict.test' }] },
      'mx.strict.test': { A: [HOSTS.blocking] },
    });
    sinks.gmail = await startSink(HOSTS.gmail, mxPort, ['-r', 'RCPT', '-b', GMAIL_RATE]);
    sinks.yahoo = await startSink(HOSTS.yahoo, mxPort, ['-r', 'RCPT', '-b', YAHOO_TSS04]);
    sinks.blocking = await startSink(HOSTS.blocking, mxPort, ['-f', 'RCPT', '-B', SPAMHAUS]);
    p = await startPetrel({
      clock: true,
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 100, mtaSts: { enabled: false }, retry: { minBackoffSeconds: 60, jitter: 0 } },
      setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    api = await apiOf(p);
    // Start just after midnight UTC: the whole test (about 3.5 test hours) stays in one calendar day.
    const now = Date.now();
    await p.advance(Math.ceil(now / DAY) * DAY + MINUTE - now);
    const ramp = ['--warmup', '50,10,100'];
    await cliOk(p, ['identity', 'add', 'direct', '--from', 'direct@outreach.test', '--via', 'mta', ...ramp]);
    await cliOk(p, ['identity', 'add', 'listed', '--from', 'listed@outreach.test', '--via', 'mta', ...ramp]);
    await cliOk(p, ['identity', 'add', 'calm', '--from', 'calm@outreach.test', '--via', 'mta', ...ramp]);
  });
  after(async () => {
    await Promise.allSettled(Object.values(sinks).map((s) => s!.stop()));
    await p?.dispose();
    await dns?.close();
  });

  /** Replace the faulty sink at `which` with one that accepts everything. */
  async function heal(which: keyof typeof HOSTS): Promise<Sink> {
    await sinks[which]!.stop();
    sinks[which] = await startSink(HOSTS[which], mxPort);
    return sinks[which]!;
  }

  const send = (to: string, subject: string, who = 'direct') => api.send({ identity: who, to, subject, text: 'hello' });
  const stateOf = (id: string) => recipientsOf(p, id)[0]!;
  const action = async (name: string, rule: string) => (await identity(p, name)).actions.find((a: any) => a.rule === rule);

  test("Gmail's 421/450 4.7.28 halves the source's rate towards google for an hour (an event with the reply)", async () => {
    const subject = tag('gmail');
    const first = await send('a@gmail.test', subject);
    const deferred = await eventually(() => stateOf(first).state === 'deferred' && stateOf(first), () => JSON.stringify(stateOf(first)));
    assert.match(deferred.lastText ?? '', /unusual rate/);
    const fired = await eventuallyAsync(() => action('direct', 'gmail-unusual-rate'), () => 'no action');
    assert.equal(fired.inForce, true);
    const shown = await identity(p, 'direct');
    const a = shown.actions.find((x: any) => x.rule === 'gmail-unusual-rate');
    assert.equal(a.action, 'throttle');
    assert.equal(a.provider, 'google');
    assert.equal(a.rate, 1, 'half of the observed 1 a minute, at least 1');
    assert.match(a.reply, /^450 4\.7\.28 .*unusual rate/);
    const event = eventsOf(p).find((e) => e.type === 'shaping.action');
    assert.ok(event, 'a shaping.action event');
    assert.equal(JSON.parse(event.data!).rule, 'gmail-unusual-rate');

    // Healed, the queue retries; the throttle lets one a minute through towards google, whichever
    // of the three is due first: the others wait (throttled) for the next minute of the test clock.
    await heal('gmail');
    const all = [first, await send('b@gmail.test', subject), await send('c@gmail.test', subject)];
    await p.advance(2 * MINUTE);
    const waiting = await eventually(() => all.map(stateOf).find((r) => r.state === 'throttled'), () => JSON.stringify(all.map(stateOf)));
    const shownQueue = await p.cli(['queue', 'show', waiting.messageId]);
    assert.match(shownQueue.stdout, /throttled: google rate 1\/min/);
    for (let i = 0; i < 4 && all.some((id) => stateOf(id).state !== 'delivered'); i++) {
      await eventually(() => all.some((id) => stateOf(id).state === 'throttled') || all.every((id) => stateOf(id).state === 'delivered'),
        () => JSON.stringify(all.map(stateOf)));
      await p.advance(MINUTE);
    }
    await eventually(() => all.every((id) => stateOf(id).state === 'delivered'), () => JSON.stringify(all.map(stateOf)));
    const sentAt = all.map((id) => attemptsOf(p, id).find((a) => a.outcome === 'delivered')!.at).sort((x, y) => x - y);
    for (let i = 1; i < sentAt.length; i++) assert.ok(sentAt[i]! - sentAt[i - 1]! >= 59_000, `one a minute: ${sentAt.join(', ')}`);
    // The hour passes: the action ends on time.
    await p.advance(61 * MINUTE);
    assert.equal((await action('direct', 'gmail-unusual-rate')).inForce, false);
  });

  test("Yahoo's TSS04 suspends the source towards yahoo for 2 h; other providers still get mail; then all is delivered", async () => {
    const subject = tag('yahoo');
    const first = await send('a@yahoo.test', subject);
    await eventually(() => stateOf(first).state === 'deferred', () => JSON.stringify(stateOf(first)));
    const suspended = await eventuallyAsync(() => action('direct', 'yahoo-deferred'), () => 'no action');
    assert.equal(suspended.action, 'suspend');
    assert.equal(suspended.provider, 'yahoo');
    const later = [await send('b@yahoo.test', subject), await send('c@yahoo.test', subject)];
    await eventually(() => later.every((id) => stateOf(id).state === 'throttled'), () => JSON.stringify(later.map(stateOf)));
    const shown = await p.cli(['queue', 'show', later[0]!]);
    assert.match(shown.stdout, /suspended: yahoo-deferred towards yahoo until \d{4}-/);
    // The same source still sends to google.
    const other = await send('d@gmail.test', subject);
    await eventually(() => stateOf(other).state === 'delivered', () => JSON.stringify(stateOf(other)));
    // Healed, but the suspension holds until its end; then everything goes, nothing lost or bounced.
    const yahoo = await heal('yahoo');
    await p.advance(30 * MINUTE);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(yahoo.messages().length, 0, 'nothing sent while suspended');
    await p.advance(95 * MINUTE);
    await yahoo.waitForContent(subject, 3);
    // The sink writes its copy before Petrel has read the 250: wait for the recipients' state.
    await eventually(() => [first, ...later].every((id) => stateOf(id).state === 'delivered'), () => JSON.stringify([first, ...later].map(stateOf)));
    assert.equal((await action('direct', 'yahoo-deferred')).inForce, false);
  });

  test('a Spamhaus block suspends the identity everywhere until an operator resumes it', async () => {
    const subject = tag('block');
    const first = await send('a@strict.test', subject, 'listed');
    await eventually(() => stateOf(first).state === 'bounced', () => JSON.stringify(stateOf(first)));
    const v = await eventuallyAsync(async () => {
      const view = await identity(p, 'listed');
      return view.state === 'suspended' && view;
    }, () => 'not suspended');
    assert.match(v.reason, /dnsbl-listed/);
    const next = await send('x@gmail.test', subject, 'listed');
    await eventually(() => stateOf(next).state === 'throttled', () => JSON.stringify(stateOf(next)));
    assert.match(await cliOk(p, ['identity', 'resume', 'listed']), /resumed listed: 1 waiting recipient due now/);
    await eventually(() => stateOf(next).state === 'delivered', () => JSON.stringify(stateOf(next)));
    assert.equal((await identity(p, 'listed')).state, 'warming');
  });

  test('a day with shaping actions or blocks holds the warm-up ramp; a calm day advances it', async () => {
    await p.advance(DAY);
    const days = Object.fromEntries(await Promise.all(['direct', 'listed', 'calm'].map(async (n) => [n, (await identity(p, n)).warmupDay])));
    assert.deepEqual(days, { direct: 1, listed: 1, calm: 2 });
  });
});
