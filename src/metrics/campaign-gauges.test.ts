// The campaign series at scrape time: campaigns by state (zeros included), contacts by campaign and
// state (zeros for a campaign's absent states), sends by campaign and step; a removed campaign goes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { CampaignControl } from '../campaigns/control.js';
import { CampaignStore } from '../campaigns/store.js';
import { openDatabase, type Db } from '../store/db.js';
import { watchCampaigns } from './campaign-gauges.js';

const NOW = Date.parse('2026-12-04T10:00:00.000Z');

async function value(r: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await r.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k as never]) === x))?.value;
}

function member(db: Db, list: string, email: string): void {
  db.prepare('INSERT OR IGNORE INTO lists (name, created_at) VALUES (?, ?)').run(list, NOW);
  db.prepare(`INSERT INTO contacts (email, address, fields, org_domain, created_at, updated_at) VALUES (?, ?, '{}', 'example.test', ?, ?)`).run(email, email, NOW, NOW);
  db.prepare('INSERT INTO list_members (list, email, added_at) VALUES (?, ?, ?)').run(list, email, NOW);
}

function send(db: Db, campaign: string, email: string, step: number): void {
  db.prepare(`INSERT INTO campaign_sends (campaign, email, step, message_id, header_id, subject, sent_at) VALUES (?, ?, ?, ?, ?, 'Hi', ?)`)
    .run(campaign, email, step, `m-${email}-${step}`, `h-${email}-${step}@example.test`, NOW);
}

const campaign = (name: string) => ({ name, list: 'leads', identity: 'x', steps: [{ delay: 0, subject: 'Hi', text: 'Hello' }, { delay: '2d', text: 'Again' }] });

test('campaign series are read from the database at each scrape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-campaign-metrics-'));
  const db = openDatabase(join(dir, 'petrel.db'));
  try {
    const store = new CampaignStore(db);
    for (const e of ['a@example.test', 'b@example.test', 'c@example.test']) member(db, 'leads', e);
    store.create(campaign('q1'), NOW);
    store.create(campaign('draft-one'), NOW);
    new CampaignControl(db).start('q1', NOW);
    send(db, 'q1', 'a@example.test', 1);
    send(db, 'q1', 'b@example.test', 1);
    send(db, 'q1', 'a@example.test', 2);
    store.pauseContact('q1', 'c@example.test', 'no first_name', NOW);

    const registry = new Registry();
    watchCampaigns(registry, db);
    assert.equal(await value(registry, 'petrel_campaigns', { state: 'running' }), 1);
    assert.equal(await value(registry, 'petrel_campaigns', { state: 'draft' }), 1);
    assert.equal(await value(registry, 'petrel_campaigns', { state: 'finished' }), 0);
    assert.equal(await value(registry, 'petrel_campaign_contacts', { campaign: 'q1', state: 'pending' }), 2);
    assert.equal(await value(registry, 'petrel_campaign_contacts', { campaign: 'q1', state: 'paused' }), 1);
    assert.equal(await value(registry, 'petrel_campaign_contacts', { campaign: 'q1', state: 'replied' }), 0);
    assert.equal(await value(registry, 'petrel_campaign_contacts', { campaign: 'draft-one', state: 'pending' }), 0);
    assert.equal(await value(registry, 'petrel_campaign_sends', { campaign: 'q1', step: '1' }), 2);
    assert.equal(await value(registry, 'petrel_campaign_sends', { campaign: 'q1', step: '2' }), 1);

    new CampaignControl(db).stop('q1', NOW);
    store.remove('q1');
    const text = await registry.metrics();
    assert.doesNotMatch(text, /campaign="q1"/, 'a removed campaign has no series');
    assert.match(text, /petrel_campaigns\{state="stopped"\} 0/);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
