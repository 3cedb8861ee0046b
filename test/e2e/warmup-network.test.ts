// The warm-up network end to end: three identities flagged --warmup-network with a ramp (4,2,20) send
// each other tagged mail through their relay (an smtp-sink standing in for the provider) on a clock
// the test moves; the test plays the provider and puts each message in the recipient's Dovecot
// mailbox (INBOX, or Junk for some). Petrel reads it over IMAP: marks it \Seen, moves the Junk copy
// to INBOX (a rescue), answers in thread, keeps it out of the unified inbox and campaign figures,
// and `petrel warmup status --json` / GET /v1/warmup count what was placed. Day 2 follows the ramp.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { apiOf } from '../kit/api.js';
import { eventually, eventuallyAsync } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { cliOk, identity } from '../kit/identities.js';
import { FAST_MAILBOXES, foldersOf, statusOf } from '../kit/mailboxes.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink, type SinkMessage } from '../kit/sink.js';

const DAY = 86_400_000;
const NAMES = ['anna', 'bruno', 'cleo'] as const;
type Name = (typeof NAMES)[number];
const addressOf = (n: Name) => `${n}@mail.test`;
const passwordOf = (n: Name) => `${n}-Secret-1`;
const HEADER = 'x-petrel-warmup';

/** A warm-up message as the provider (the sink) received it. */
interface Got {
  from: Name;
  to: Name;
  tag: string;
  messageId: string;
  inReplyTo: string | undefined;
  references: string | undefined;
  subject: string;
  body: string;
  /** The message as it would be stored (the provider's copy). */
  raw: string;
}

function headersOf(content: string): { fields: Map<string, string>; body: string } {
  const cut = content.indexOf('\n\n');
  const head = (cut < 0 ? content : content.slice(0, cut)).replace(/\n[ \t]+/g, ' ');
  const fields = new Map<string, string>();
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !fields.has(line.slice(0, colon).toLowerCase())) fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { fields, body: cut < 0 ? '' : content.slice(cut + 2) };
}

const nameOf = (address: string | undefined): Name => {
  const n = NAMES.find((x) => addressOf(x) === address?.toLowerCase());
  assert.ok(n, `not a network address: ${address}`);
  return n;
};

function parse(m: SinkMessage): Got {
  const { fields, body } = headersOf(m.content);
  const tag = fields.get(HEADER);
  assert.ok(tag, `no ${HEADER} header:\n${m.content.slice(0, 2000)}`);
  assert.equal(m.rcptArgs.length, 1);
  return {
    from: nameOf(/<([^>]*)>/.exec(m.mailArgs)?.[1]),
    to: nameOf(/<([^>]*)>/.exec(m.rcptArgs[0]!)?.[1]),
    tag,
    messageId: fields.get('message-id') ?? '',
    inReplyTo: fields.get('in-reply-to'),
    references: fields.get('references'),
    subject: fields.get('subject') ?? '',
    body,
    raw: m.content,
  };
}

const count = <T>(xs: readonly T[], pick: (x: T) => string) => {
  const out: Record<string, number> = Object.fromEntries(NAMES.map((n) => [n, 0]));
  for (const x of xs) out[pick(x)] = (out[pick(x)] ?? 0) + 1;
  return out;
};

function query<T>(p: Petrel, sql: string): T[] {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

interface Figures { identity: string; sent: number; received: number; inbox: number; spam: number; inboxRate: number | null; rescues: number }

describe('warm-up network over IMAP', () => {
  let sink: Sink;
  let dovecot: Dovecot;
  let p: Petrel;

  before(async () => {
    sink = await startSink('127.0.0.1', await freePort());
    dovecot = await startDovecot({ users: NAMES.map((n) => ({ user: addressOf(n), password: passwordOf(n) })) });
    p = await startPetrel({
      clock: true,
      setup: [],
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      mailboxes: FAST_MAILBOXES,
      // Every original is answered (so the thread is checked for each); half are flagged.
      warmupNetwork: { tickSeconds: 0.1, replyShare: 1, flagShare: 0.5 },
      log: { level: 'debug' },
    });
    // Day 1 starts just after midnight UTC (the identities' zone), so a test day is one calendar day.
    const now = Date.now();
    await p.advance(Math.ceil(now / DAY) * DAY + 60_000 - now);
    for (const n of NAMES) {
      await cliOk(p, ['identity', 'add', n, '--from', addressOf(n), '--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port), '--relay-tls', 'none',
        '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-tls', 'none', '--imap-password-stdin',
        '--warmup', '4,2,20', '--warmup-network'], `${passwordOf(n)}\n`);
    }
  });
  after(async () => {
    await p?.dispose();
    await dovecot?.stop();
    await sink?.stop();
  });

  const status = async (): Promise<Record<string, Figures>> => {
    const list = JSON.parse(await cliOk(p, ['warmup', 'status', '--json'])) as Figures[];
    return Object.fromEntries(list.map((f) => [f.identity, f]));
  };
  const warmupSent = () => sink.messages().map(parse);
  /** The sink's messages once it has `n`; a timeout says what Petrel did. */
  const sinkHas = async (n: number) => {
    try {
      await sink.waitFor(n);
    } catch (error) {
      throw new Error(`${String(error)}\n${diag()}`);
    }
  };
  const diag = () => `sink: ${JSON.stringify(warmupSent().map((g) => [g.from, g.to, g.subject, g.inReplyTo]))}\n${p.logs.split('\n').filter((l) => /"event":"(warmup|mailbox-(disconnected|handler|read|folder))/.test(l)).slice(-60).join('\n')}`;

  test('day 1: the ramp share goes out, placed mail is read, rescued and answered in thread; figures match; day 2 follows the ramp', async () => {
    // Late on day 1 every slot of the day has passed: each identity catches up, one send per tick.
    await p.advance(DAY - 60_000 - 30 * 60_000);
    // The watchers connect (the identity list is re-read on the moved clock) and start at the folders' ends.
    await eventually(() => NAMES.every((n) => statusOf(p, n)?.state === 'idle' && foldersOf(p, n)['INBOX'] && foldersOf(p, n)['Junk']),
      () => JSON.stringify(NAMES.map((n) => [statusOf(p, n), foldersOf(p, n)])) + diag());

    // 1. Day 1's volume: rampShare 0.5 of the ramp's 4 = 2 originals each, to both partners, tagged, worded differently.
    await sinkHas(6);
    const day1 = warmupSent();
    assert.equal(day1.length, 6, diag());
    assert.deepEqual(count(day1, (g) => g.from), { anna: 2, bruno: 2, cleo: 2 });
    for (const n of NAMES) assert.deepEqual(day1.filter((g) => g.from === n).map((g) => g.to).sort(), NAMES.filter((x) => x !== n), `${n} wrote once to each partner`);
    for (const g of day1) {
      assert.equal(g.inReplyTo, undefined, 'originals start a thread');
      assert.match(g.messageId, /^<[^<>@\s]+@mail\.petrel\.test>$/);
      assert.ok(g.subject.length > 0 && g.body.trim().length > 0);
    }
    assert.equal(new Set(day1.map((g) => g.tag)).size, 6, 'a tag per message');
    assert.equal(new Set(day1.map((g) => g.body)).size, 6, 'no two texts alike');

    // The provider's placement: one original into Junk, the rest into INBOX.
    const junked = day1.find((g) => g.to === 'bruno')!;
    for (const g of day1) await dovecot.deliver(addressOf(g.to), g.raw, g === junked ? 'Junk' : 'INBOX');

    // 3. Each original is answered in thread by its recipient, the rescued one included: "Re:", In-Reply-To, References, tagged.
    await sinkHas(12);
    const answers = warmupSent().filter((g) => !day1.some((o) => o.tag === g.tag));
    assert.equal(answers.length, 6, diag());
    for (const o of day1) {
      const a = answers.filter((x) => x.inReplyTo === o.messageId);
      assert.equal(a.length, 1, `one answer to ${o.from} -> ${o.to} ${o.messageId}: ${JSON.stringify(answers.map((x) => x.inReplyTo))}`);
      assert.deepEqual([a[0]!.from, a[0]!.to], [o.to, o.from], 'the recipient answers the sender');
      assert.equal(a[0]!.subject, `Re: ${o.subject}`);
      assert.equal(a[0]!.references, o.messageId);
      assert.notEqual(a[0]!.tag, o.tag);
    }

    // 2. The Junk copy was moved to INBOX by Petrel, read (\Seen); every warm-up message in INBOX is \Seen.
    const inbox = (n: Name) => dovecot.messages(addressOf(n), 'INBOX');
    await eventuallyAsync(async () => (await dovecot.messages('bruno@mail.test', 'Junk')).length === 0, () => 'the Junk copy is still in Junk');
    const rescued = await eventuallyAsync(async () => (await inbox('bruno')).find((m) => m.text.includes(junked.tag) && m.flags.includes('\\Seen')), () => 'the rescued copy is not in INBOX, read');
    assert.ok(rescued);
    // The rescued copy is read again in INBOX (taken, nothing done): the INBOX cursor passes it.
    await eventually(() => (foldersOf(p, 'bruno')['INBOX']?.last_uid ?? 0) >= rescued.uid,
      () => `bruno's INBOX cursor ${JSON.stringify(foldersOf(p, 'bruno'))} is below the rescued copy's UID ${rescued.uid}\n${diag()}`);
    for (const n of NAMES) {
      const mails = await eventuallyAsync(async () => {
        const all = await inbox(n);
        return all.length === 2 && all.every((m) => m.flags.includes('\\Seen')) && all;
      }, () => `${n}: INBOX does not hold 2 read warm-up messages`);
      for (const m of mails) assert.ok(m.flags.every((f) => ['\\Seen', '\\Flagged', '\\Recent'].includes(f)), m.flags.join(' '));
    }
    // \Flagged is what Petrel decided for the tag (a stable share).
    const flaggedRows = new Set(query<{ tag: string }>(p, 'SELECT tag FROM warmup_mail WHERE flagged = 1').map((r) => r.tag));
    for (const n of NAMES) {
      for (const m of await inbox(n)) {
        const tag = day1.find((g) => m.text.includes(`X-Petrel-Warmup: ${g.tag}`))!.tag;
        assert.equal(m.flags.includes('\\Flagged'), flaggedRows.has(tag), `flag of ${tag}`);
      }
    }

    // The answers arrive too; one lands in Junk (rescued, never answered again).
    const junkedAnswer = answers.find((a) => a.to === 'cleo')!;
    for (const a of answers) await dovecot.deliver(addressOf(a.to), a.raw, a === junkedAnswer ? 'Junk' : 'INBOX');
    const received = () => query<{ n: number }>(p, 'SELECT count(*) AS n FROM warmup_mail WHERE received_at IS NOT NULL')[0]!.n;
    await eventually(() => received() === 12, () => `received ${received()}\n${diag()}`);
    await eventuallyAsync(async () => (await dovecot.messages('cleo@mail.test', 'Junk')).length === 0 && (await inbox('cleo')).length === 4, () => 'the junked answer was not rescued');
    for (const n of NAMES) {
      const all = await inbox(n);
      assert.equal(all.length, 4, `${n}: 2 originals and 2 answers in INBOX`);
      assert.ok(all.every((m) => m.flags.includes('\\Seen')), JSON.stringify(all.map((m) => m.flags)));
    }

    // 4. Figures: what each sent, received, where its mail landed, what its mailbox rescued.
    const expected = (n: Name): Figures => {
      const spam = [junked, junkedAnswer].filter((g) => g.from === n).length;
      return { identity: n, sent: 4, received: 4, inbox: 4 - spam, spam, inboxRate: (4 - spam) / 4, rescues: [junked, junkedAnswer].filter((g) => g.to === n).length };
    };
    const figures = await status();
    for (const n of NAMES) assert.deepEqual(figures[n], expected(n), n);
    const api = await apiOf(p);
    const r = await api.call('GET', '/v1/warmup', { as: 'read' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.days, 7);
    assert.deepEqual(Object.fromEntries((r.body.data as Figures[]).map((f) => [f.identity, f])), figures);

    // Answers are never answered again; warm-up mail reaches neither the unified inbox nor campaign figures.
    assert.equal(sink.messages().length, 12, diag());
    assert.equal(query<{ n: number }>(p, 'SELECT count(*) AS n FROM warmup_mail')[0]!.n, 12);
    assert.equal(query<{ n: number }>(p, 'SELECT count(*) AS n FROM inbox_messages')[0]!.n, 0);
    assert.equal(query<{ n: number }>(p, 'SELECT count(*) AS n FROM campaign_sends')[0]!.n, 0);
    const campaigns = JSON.parse(await cliOk(p, ['campaign', 'list', '--json'])) as unknown[];
    assert.deepEqual(campaigns, []);

    // Day 2: the ramp is at 6, so 3 originals each.
    await p.advance(DAY);
    await sinkHas(21);
    const day2 = warmupSent().filter((g) => ![...day1, ...answers].some((x) => x.tag === g.tag));
    assert.equal(day2.length, 9, diag());
    assert.ok(day2.every((g) => g.inReplyTo === undefined), 'day 2 is originals only');
    assert.deepEqual(count(day2, (g) => g.from), { anna: 3, bruno: 3, cleo: 3 });
    assert.equal(new Set(day2.map((g) => g.body)).size, 9, 'no two texts alike');
    for (const n of NAMES) {
      const v = await identity(p, n);
      assert.equal(v.warmupDay, 2, JSON.stringify(v));
      assert.equal(v.sentToday, 3, JSON.stringify(v));
    }
    const after = await status();
    for (const n of NAMES) assert.deepEqual(after[n], { ...expected(n), sent: 7 }, n);
    assert.equal(sink.messages().length, 21, 'no more than the day\'s volume');
  });
});
