// The Inbox page in headless Chromium: mail read from an identity's mailbox (rows written as the IMAP
// reader would) is listed with its kind and an unread marker; opening it marks it read and shows the
// text; the reply box sends through the identity's relay (an smtp-sink) and shows the queue id; an
// unsubscribe suggestion is confirmed with its button.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { header } from '../kit/campaigns.js';
import { suppressionsOf, eventually } from '../kit/delivery.js';
import { relayIdentity } from '../kit/identities.js';
import { addInboxRows } from '../kit/inbox.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { launchPage, see, shot, signIn } from './kit.js';

const PASSWORD = 'inbox-Secret-7';

describe('Inbox page in Chromium', () => {
  let p: Petrel;
  let sink: Sink;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' },
      env: { PETREL_ADMIN_PASSWORD: PASSWORD },
      setup: [{ args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    await relayIdentity(p, 'dana', sink);
    addInboxRows(p, [
      { identity: 'dana', from: 'ana@lead.test', fromName: 'Ana Lead', subject: 'Re: Quick question', headerId: 'ana-1@lead.test', text: 'Yes, let us talk on Friday.' },
      { identity: 'dana', kind: 'unsubscribe', unsubscribe: 'suggested', from: 'stop@lead.test', subject: 'Re: Quick question', text: 'Remove me from your list.' },
    ]);
    ({ browser, page } = await launchPage());
    await signIn(page, `http://127.0.0.1:${p.ports.http}`, PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await sink?.stop();
    await p?.dispose();
  });

  test('lists the reply with its kind and unread marker; opening it shows the text and marks it read', async () => {
    await page.getByRole('link', { name: 'Inbox' }).click();
    const row = page.locator('tr', { hasText: 'Ana Lead' });
    await row.waitFor({ timeout: 20_000 });
    await row.getByText('Reply', { exact: true }).waitFor();
    await row.getByLabel('unread').waitFor();
    await shot(page, 'inbox');
    await row.getByRole('link', { name: 'Re: Quick question' }).click();
    await see(page, 'Yes, let us talk on Friday.');
    await page.locator('tr', { hasText: 'Ana Lead' }).getByLabel('unread').waitFor({ state: 'detached', timeout: 20_000 });
  });

  test('the reply box sends from the identity in the thread and shows the queue id', async () => {
    await page.getByLabel('Reply from dana').fill('Friday at ten works.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await see(page, /Reply queued: \S+/);
    const [m] = await sink.waitForContent('Friday at ten works.');
    assert.match(header(m!, 'From')!, /dana@outreach\.test/);
    assert.match(header(m!, 'To')!, /ana@lead\.test/);
    assert.equal(header(m!, 'In-Reply-To'), '<ana-1@lead.test>');
    await see(page, 'handled');
    await shot(page, 'inbox-thread');
  });

  test('an unsubscribe suggestion is confirmed with its button', async () => {
    await page.locator('tr', { hasText: 'stop@lead.test' }).getByRole('link').click();
    await see(page, 'Remove me from your list.');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await see(page, 'Unsubscribed and suppressed.');
    await eventually(() => suppressionsOf(p, 'stop@lead.test').length === 1 || undefined, () => 'not suppressed');
  });
});
