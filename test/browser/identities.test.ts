// The Identities and Pools pages in headless Chromium: a relay identity warming up with sends today
// and a throttle with its triggering reply, a paused identity with its reason that Resume brings back,
// Pause through its prompt, and a pool's members with their weights. Screenshots to test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ShapingActionStore } from '../../src/pacing/actions.js';
import { openDatabase } from '../../src/store/db.js';
import { apiOf, type Api } from '../kit/api.js';
import { tag } from '../kit/mail.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { launchPage, see, shot, signIn } from './kit.js';

const PASSWORD = 'identities-Secret-4';
const PAUSE_REASON = 'complaint rate 0.4% over 24 h';

describe('Identities and Pools pages in Chromium', () => {
  let sink: Sink;
  let p: Petrel;
  let api: Api;
  let browser: Browser;
  let page: Page;

  before(async () => {
    sink = await startSink('127.0.0.1', await freePort());
    const relay = ['--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port), '--relay-tls', 'none'];
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' },
      env: { PETREL_ADMIN_PASSWORD: PASSWORD },
      setup: [
        { args: ['domain', 'add', 'outreach.test', '--sending'] },
        { args: ['identity', 'add', 'outreach', '--from', 'sales@outreach.test', ...relay, '--daily-cap', '40', '--warmup', '5,5,40'] },
        { args: ['identity', 'add', 'newsletter', '--from', 'news@outreach.test', ...relay, '--daily-cap', '200'] },
        { args: ['identity', 'add', 'cold', '--from', 'outreach.test', '--via', 'mta', '--time-zone', 'Europe/Berlin'] },
        { args: ['pool', 'add', 'sales', '--identity', 'outreach', '--identity', 'newsletter', '--weight', 'outreach=3'] },
      ],
    });
    api = await apiOf(p);
    const subject = tag('dashboard-identity');
    for (let i = 0; i < 3; i++) await api.send({ identity: 'outreach', to: `lead${i}@remote.test`, subject, text: 'hi' });
    await sink.waitForContent(subject, 3);
    const paused = await api.call('POST', '/v1/identities/newsletter/pause', { body: { reason: PAUSE_REASON } });
    assert.equal(paused.status, 200, paused.text);
    const db = openDatabase(join(p.dataDir, 'petrel.db'));
    try {
      new ShapingActionStore(db).add({
        rule: 'gmail-rate-421', kind: 'throttle', factor: 0.5, rate: 10, scope: 'source:relay:outreach', provider: 'gmail',
        startedAt: Date.now() - 600_000, endsAt: Date.now() + 3_600_000, identity: 'outreach', messageId: null,
        code: 421, enhanced: '4.7.28', text: 'Our system has detected an unusual rate of unsolicited mail',
      });
    } finally {
      db.close();
    }
    ({ browser, page } = await launchPage());
    await signIn(page, `http://127.0.0.1:${p.ports.http}`, PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await p?.dispose();
    await sink?.stop();
  });

  const row = (name: string) => page.locator(`tr[data-identity="${name}"]`);
  const stateOf = (name: string, state: string) => row(name).getByTestId('state').filter({ hasText: state }).waitFor({ timeout: 20_000 });

  test('Identities: state, sends against the cap, warm-up curve, the throttle and its reply', async () => {
    await page.getByRole('link', { name: 'Identities' }).click();
    await see(page, 'Shaping actions');
    await stateOf('outreach', 'warming');
    await row('outreach').getByTestId('today').filter({ hasText: '3 / 5' }).waitFor({ timeout: 20_000 });
    assert.equal(await row('outreach').getByTestId('warmup-chart').locator('canvas').count(), 1, 'a uPlot curve');
    await row('outreach').getByText('421 4.7.28 Our system has detected an unusual rate of unsolicited mail').first().waitFor();
    await row('outreach').getByText(/gmail-rate-421 to 10\/min towards gmail/).first().waitFor();
    await stateOf('newsletter', 'paused');
    await row('newsletter').getByText(PAUSE_REASON).first().waitFor();
    await stateOf('cold', 'active');
    await shot(page, 'identities');
  });

  test('Resume makes a paused identity active; Pause asks for a reason', async () => {
    await row('newsletter').getByRole('button', { name: 'Resume' }).click();
    await see(page, 'resumed newsletter: 0 waiting recipients due now');
    await stateOf('newsletter', 'active');
    assert.equal(await row('newsletter').getByText(PAUSE_REASON).count(), 0);
    page.once('dialog', (d) => void d.accept('checking the pause button'));
    await row('cold').getByRole('button', { name: 'Pause' }).click();
    await stateOf('cold', 'paused');
    await row('cold').getByText('checking the pause button').waitFor();
    const shown = await api.call('GET', '/v1/identities/cold', { as: 'read' });
    assert.equal(shown.body.reason, 'checking the pause button');
    await shot(page, 'identities-after-resume');
  });

  test('Pools: members with weights, shares and their state', async () => {
    await page.getByRole('link', { name: 'Pools' }).click();
    const pool = page.locator('tr[data-pool="sales"]');
    await pool.waitFor({ timeout: 20_000 });
    await pool.getByText('75%').waitFor();
    await pool.getByText('25%').waitFor();
    await pool.getByText('3 / 5').waitFor();
    assert.equal(await pool.locator('.badge.active').count() + await pool.locator('.badge.warming').count(), 2);
    await shot(page, 'pools');
  });
});
