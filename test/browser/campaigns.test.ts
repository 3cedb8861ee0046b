// The Campaigns and Campaign pages in headless Chromium, against a running campaign (delivery off, so
// step 1 is queued, not sent): the list row, steps and funnel figures, contacts by state, the preview of
// a contact, Pause; and a draft whose failing preflight is shown on Start until "Start anyway".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiOf, type Api } from '../kit/api.js';
import { addContacts, testCampaign, untilSent } from '../kit/campaign-api.js';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { launchPage, see, shot, signIn } from './kit.js';

const PASSWORD = 'campaigns-Secret-5';
const NAME = 'q1-outreach';
const DRAFT = 'q2-draft';

describe('Campaigns pages in Chromium', () => {
  let dns: TestDnsServer;
  let p: Petrel;
  let api: Api;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dns = await startDnsServer({}); // no SPF, DKIM or DMARC for outreach.test: the preflight fails
    p = await startPetrel({
      delivery: { enabled: false },
      dns: { servers: [dns.server], timeoutMs: 1000 },
      http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' },
      env: { PETREL_ADMIN_PASSWORD: PASSWORD },
      setup: [
        { args: ['domain', 'add', 'outreach.test', '--sending'] },
        { args: ['identity', 'add', 'outreach', '--from', 'dana@outreach.test', '--via', 'relay', '--relay-host', '127.0.0.1', '--relay-port', '9', '--relay-tls', 'none'] },
      ],
    });
    api = await apiOf(p);
    addContacts(p, 'leads', [
      { email: 'ana@lead.test', fields: { first_name: 'Ana', company: 'Acme' } },
      { email: 'ben@lead.test', fields: { first_name: 'Ben' } },
      { email: 'cy@lead.test' },
    ]);
    for (const name of [NAME, DRAFT]) assert.equal((await api.call('POST', '/v1/campaigns', { body: testCampaign(name, 'outreach') })).status, 201);
    assert.equal((await api.call('POST', `/v1/campaigns/${NAME}/start`, { body: { force: true } })).status, 200);
    await untilSent(api, NAME, 2);
    ({ browser, page } = await launchPage());
    await signIn(page, `http://127.0.0.1:${p.ports.http}`, PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await p?.dispose();
    await dns?.close();
  });

  const state = (s: string) => page.getByTestId('campaign-state').filter({ hasText: new RegExp(`^${s}$`) }).waitFor({ timeout: 20_000 });

  test('the list shows each campaign with its state, list, sender, contacts and sends', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const row = page.locator(`tr[data-campaign="${NAME}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByTestId('state').filter({ hasText: 'running' }).waitFor();
    await row.getByText('identity outreach').waitFor();
    assert.equal(await row.getByTestId('sent').textContent(), '2');
    assert.equal(await row.locator('[data-state="active"] strong').textContent(), '2');
    assert.equal(await row.locator('[data-state="paused"] strong').textContent(), '1');
    await page.locator(`tr[data-campaign="${DRAFT}"]`).getByTestId('state').filter({ hasText: 'draft' }).waitFor();
    await shot(page, 'campaigns');
  });

  test('the campaign page: steps, funnel figures, contacts by state', async () => {
    await page.getByRole('link', { name: NAME }).click();
    await state('running');
    await see(page, '{Hi|Hello} {{first_name}}, a quick question');
    const step1 = page.locator('tr[data-step="1"]');
    assert.equal(await step1.getByTestId('sent').textContent(), '2');
    assert.match((await step1.getByTestId('delivered').textContent()) ?? '', /^0 0%/);
    await page.locator('tr[data-step="3-soft"]').getByText('Should I stop?').waitFor();
    await page.locator('tr[data-step="2"]').getByText('reply in the thread').waitFor();
    await page.locator('button[data-state="paused"]').click();
    const cy = page.locator('tr[data-contact="cy@lead.test"]');
    await cy.waitFor({ timeout: 20_000 });
    await cy.getByText(/first_name/).waitFor();
    await page.locator('button[data-state="active"]').click();
    await page.locator('tr[data-contact="ana@lead.test"]').getByText('outreach').waitFor({ timeout: 20_000 });
    await shot(page, 'campaign');
  });

  test('the preview of a contact renders its subject with its fields', async () => {
    await page.getByLabel('Contact address').fill('ana@lead.test');
    await page.getByLabel('Step').selectOption('1');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await preview.waitFor({ timeout: 20_000 });
    const text = (await preview.textContent()) ?? '';
    assert.match(text, /Subject: (Hi|Hello) Ana, a quick question/);
    assert.match(text, /From: Dana from Outreach <dana@outreach\.test>/);
    assert.match(text, /Does Acme send cold email\?/);
    await page.getByLabel('Contact address').fill('cy@lead.test');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('preview-missing').getByText(/no value for first_name/).waitFor({ timeout: 20_000 });
    await shot(page, 'campaign-preview');
  });

  test('Pause changes the state shown (and the campaign\'s)', async () => {
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await state('paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    assert.equal((await api.call('GET', `/v1/campaigns/${NAME}/status`)).body.state, 'paused');
  });

  test('Start shows a failing preflight; Start anyway starts', async () => {
    await page.goto(`http://127.0.0.1:${p.ports.http}/#/campaigns/${DRAFT}`);
    await state('draft');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByTestId('start-blocked').waitFor({ timeout: 30_000 });
    const preflight = page.getByTestId('preflight');
    await preflight.locator('li[data-check="auth:outreach.test"]').getByText('FAIL').waitFor();
    await preflight.locator('li[data-check="identities"]').getByText('PASS').waitFor();
    await preflight.getByText(/^Fix: /).first().waitFor();
    assert.equal((await api.call('GET', `/v1/campaigns/${DRAFT}/status`)).body.state, 'draft', 'not started');
    await shot(page, 'campaign-preflight');
    await page.getByRole('button', { name: 'Start anyway' }).click();
    await state('running');
    assert.equal((await api.call('GET', `/v1/campaigns/${DRAFT}/status`)).body.state, 'running');
  });
});
