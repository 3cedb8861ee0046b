// Exactly-once campaign steps across crashes: Petrel is killed with SIGKILL while its engine is
// queueing a 2-step campaign (small batches, so the kill lands mid-run), restarted, killed again
// during step 2, restarted. Every (contact, step) is queued exactly once and reaches the sink as one
// message (an SMTP redelivery of the same message after a kill would carry the same Message-ID).
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { campaignCli, createCampaign, header, importContacts, recipientOf } from '../kit/campaigns.js';
import { eventually } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { startPetrel, STANDARD_SETUP } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type SinkMessage } from '../kit/sink.js';

const CONTACTS = 300;

function queued(dataDir: string): { sends: number; distinct: number; messages: number } {
  const db = new Database(join(dataDir, 'petrel.db'), { readonly: true });
  try {
    const sends = db.prepare("SELECT count(*) FROM campaign_sends WHERE campaign = 'crash'").pluck().get() as number;
    const distinct = db.prepare("SELECT count(*) FROM (SELECT DISTINCT email, step FROM campaign_sends WHERE campaign = 'crash')").pluck().get() as number;
    const messages = db.prepare("SELECT count(*) FROM messages WHERE json_extract(envelope, '$.campaign.name') = 'crash'").pluck().get() as number;
    return { sends, distinct, messages };
  } finally {
    db.close();
  }
}

/** (contact, step) → the distinct Message-IDs the sink received for it. */
function bySteps(messages: SinkMessage[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of messages) {
    const step = /Subject: Re:/.test(m.content) ? 2 : 1;
    const key = `${recipientOf(m)}#${step}`;
    out.set(key, (out.get(key) ?? new Set()).add(header(m, 'Message-ID')!));
  }
  return out;
}

const cleanup: Array<() => Promise<unknown>> = [];
after(() => Promise.allSettled(cleanup.map((f) => f())));

test('kill -9 twice during a campaign: no (contact, step) queued or sent twice, none lost', async () => {
  const sink = await startSink('127.0.0.1', await freePort());
  cleanup.push(() => sink.stop());
  const p = await startPetrel({
    clock: true,
    delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
    sending: { jitter: 0 },
    campaigns: { tickMs: 50, batch: 4 },
    setup: [...STANDARD_SETUP, { args: ['domain', 'add', 'outreach.test', '--sending'] }],
  });
  cleanup.push(() => p.dispose());
  await relayIdentity(p, 'r1', sink);
  await importContacts(p, 'crash', Array.from({ length: CONTACTS }, (_, i) => ({ email: `c${i}@crash${i % 7}.test`, first_name: `C${i}` })));
  await createCampaign(p, `name: crash
list: crash
identity: r1
schedule: always
steps:
  - { delay: 0, subject: "Crash {{first_name}}", text: "One." }
  - { delay: 1h, text: "Two." }
`);
  await campaignCli(p, ['start', 'crash', '--force']);

  await eventually(() => queued(p.dataDir).sends >= 40 && queued(p.dataDir).sends, () => JSON.stringify(queued(p.dataDir)));
  await p.kill9();
  const atKill = queued(p.dataDir).sends;
  assert.ok(atKill < CONTACTS, `the kill landed after the run (${atKill})`);
  await p.restart();
  await eventually(() => queued(p.dataDir).sends === CONTACTS, () => JSON.stringify(queued(p.dataDir)), 60_000);

  await p.advance(3_600_000 + 1000);
  await eventually(() => queued(p.dataDir).sends >= CONTACTS + 40, () => JSON.stringify(queued(p.dataDir)), 60_000);
  await p.kill9();
  await p.restart();
  await eventually(() => queued(p.dataDir).sends === 2 * CONTACTS, () => JSON.stringify(queued(p.dataDir)), 60_000);
  await sink.waitFor(2 * CONTACTS, 90_000);
  await new Promise((r) => setTimeout(r, 1000));

  const q = queued(p.dataDir);
  assert.deepEqual(q, { sends: 2 * CONTACTS, distinct: 2 * CONTACTS, messages: 2 * CONTACTS });
  const steps = bySteps(sink.messages());
  assert.equal(steps.size, 2 * CONTACTS, 'every (contact, step) arrived');
  const twice = [...steps].filter(([, ids]) => ids.size > 1).map(([k]) => k);
  assert.deepEqual(twice, [], 'no (contact, step) was sent as two messages');
});
