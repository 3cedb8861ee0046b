// Cluster mode, identity caps on API mail: two nodes each take 15 API sends through one relay identity
// capped at 10 a day. The sink gets exactly 10 a day in sum over the nodes, the rest waits 'throttled'
// in the two queues (never bounced), each new day sends 10 more, and in the end every message went once.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiOf, type Api } from '../kit/api.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { recipientOf } from '../kit/campaigns.js';
import { eventually, eventuallyAsync, recipientsOf, type RecipientRow } from '../kit/delivery.js';
import { identities, relayIdentity } from '../kit/identities.js';
import { tag } from '../kit/mail.js';
import { STANDARD_SETUP, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';

const CAP = 10;
const PER_NODE = 15;
const DAY = 86_400_000;

let cluster: Cluster;
let sink: Sink;

before(async () => {
  sink = await startSink('127.0.0.1', await freePort());
  cluster = await startCluster(2, {
    clock: true,
    delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
    sending: { jitter: 0 },
    setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending', '--local', '--no-dkim'] }],
  });
  await relayIdentity(cluster.nodes[0]!, 'capped', sink, ['--daily-cap', String(CAP)]);
});
after(async () => {
  await cluster?.dispose();
  await sink?.stop();
});

/** Why `p`'s throttled recipients wait (straight from its queue). */
function waitReasons(p: Petrel): string[] {
  const db = new Database(join(p.dataDir, 'petrel.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT coalesce(wait_reason, '') FROM recipients WHERE state = 'throttled'").pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** Sends `count` messages through the identity on `api`; the queue ids. */
async function sendMany(api: Api, prefix: string, subject: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await api.send({ identity: 'capped', to: `${prefix}${i}@remote.test`, subject, text: 'hi' }));
  return ids;
}

test('two nodes together send an identity\'s daily cap, not twice it; the rest waits for the next days', async () => {
  const [a, b] = cluster.nodes as [Petrel, Petrel];
  await eventuallyAsync(async () => (await identities(b))['capped'] !== undefined || undefined, () => 'node B never saw the identity', 10_000);
  const [apiA, apiB] = [await apiOf(a), await apiOf(b)];
  const subject = tag('cluster-cap');
  const [idsA, idsB] = await Promise.all([sendMany(apiA, 'a', subject, PER_NODE), sendMany(apiB, 'b', subject, PER_NODE)]);
  const rows = (): RecipientRow[] => [...idsA.flatMap((id) => recipientsOf(a, id)), ...idsB.flatMap((id) => recipientsOf(b, id))];
  const count = (state: string) => rows().filter((r) => r.state === state).length;
  const received = () => sink.messages().filter((m) => m.content.includes(subject));
  const show = () => `sink ${received().length}; ${JSON.stringify(rows().map((r) => [r.state, r.lastText]))}`;

  for (let day = 1; day <= 3; day++) {
    const expected = Math.min(CAP * day, 2 * PER_NODE);
    await eventually(() => received().length >= expected || undefined, () => `day ${day}: ${show()}`, 30_000);
    await eventually(() => count('delivered') + count('throttled') === 2 * PER_NODE || undefined, () => `day ${day}: ${show()}`, 15_000);
    await new Promise((r) => setTimeout(r, 1000)); // an 11th send of the day would arrive within this
    assert.equal(received().length, expected, `day ${day}: ${show()}`);
    assert.equal(count('delivered'), expected);
    assert.equal(count('throttled'), 2 * PER_NODE - expected, 'the rest waits, none bounced or deferred');
    const cap = Number(await cluster.pg.psql("SELECT coalesce(sum(sent), 0) FROM cap_counters WHERE identity = 'capped'"));
    assert.equal(cap, expected, 'the shared counters count exactly what went');
    if (day === 1) {
      const reasons = [...waitReasons(a), ...waitReasons(b)];
      assert.ok(reasons.length === 20 && reasons.every((t) => /daily cap/.test(t)), reasons.join('\n'));
      assert.ok(reasons.some((t) => /on the cluster/.test(t)), `one node's own gate had room: the cluster held it\n${reasons.join('\n')}`);
    }
    if (day < 3) await Promise.all([a, b].map((n) => n.advance(DAY)));
  }
  const perRecipient = new Map<string, number>();
  for (const m of received()) perRecipient.set(recipientOf(m)!, (perRecipient.get(recipientOf(m)!) ?? 0) + 1);
  assert.equal(perRecipient.size, 2 * PER_NODE, 'every message arrived');
  assert.deepEqual([...perRecipient].filter(([, n]) => n > 1), [], 'none twice');
});
