// The Placement page in headless Chromium after a real placement test (serve, smtp-sink as the provider,
// Dovecot seeds): the history row with its counts, and the test's seeds with inbox / missing badges and
// the SPF, DKIM and DMARC results read from the delivered copy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../kit/delivery.js';
import { startDovecot, type Dovecot } from '../kit/dovecot.js';
import { cliOk, relayIdentity } from '../kit/identities.js';
import { FAST_MAILBOXES, foldersOf } from '../kit/mailboxes.js';
import { startPetrel, type Petrel } from '../kit/petrel.js';
import { freePorts } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { launchPage, see, shot, signIn } from './kit.js';

const PASSWORD = 'placement-Secret-7';
const SEEDS = ['seed-a', 'seed-b'];
const STAMP = 'Authentication-Results: mx.provider.test; spf=pass smtp.mailfrom=ana@outreach.test; dkim=fail header.d=outreach.test; dmarc=fail\r\n';

describe('Placement page in Chromium', () => {
  let p: Petrel;
  let sink: Sink;
  let dovecot: Dovecot;
  let browser: Browser;
  let page: Page;
  let id: string;

  before(async () => {
    const [port] = await freePorts(1);
    sink = await startSink('127.0.0.1', port!);
    dovecot = await startDovecot({ users: SEEDS.map((s) => ({ user: `${s}@seeds.test`, password: PASSWORD })), idle: false });
    p = await startPetrel({
      delivery: { enabled: true, pollIntervalMs: 100, mtaSts: { enabled: false } },
      sending: { jitter: 0 },
      mailboxes: FAST_MAILBOXES,
      http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' },
      env: { PETREL_ADMIN_PASSWORD: PASSWORD },
      setup: [{ args: ['domain', 'add', 'outreach.test', '--sending'] }],
    });
    await relayIdentity(p, 'ana', sink, ['--min-gap-seconds', '0']);
    for (const s of SEEDS) {
      await cliOk(p, ['identity', 'add', s, '--from', `${s}@seeds.test`, '--via', 'relay', '--relay-host', sink.address, '--relay-port', String(sink.port),
        '--relay-tls', 'none', '--relay-password-stdin', '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-tls', 'none'], `${PASSWORD}\n`);
    }
    await cliOk(p, ['pool', 'add', 'seeds', ...SEEDS.flatMap((s) => ['--identity', s])]);
    await eventually(() => SEEDS.every((s) => foldersOf(p, s)['INBOX'] && foldersOf(p, s)['Junk']), () => JSON.stringify(SEEDS.map((s) => foldersOf(p, s))), 60_000);
    const run = p.cli(['placement', 'test', '--identity', 'ana', '--seeds', 'seeds', '--wait', '15', '--json']);
    const copy = (await sink.waitFor(2)).find((m) => m.rcptArgs[0]?.includes('seed-a@'))!;
    await dovecot.deliver('seed-a@seeds.test', STAMP + copy.content.replace(/\r?\n/g, '\r\n'));
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    id = (JSON.parse(r.stdout) as { id: string }).id;
    ({ browser, page } = await launchPage());
    await signIn(page, `http://127.0.0.1:${p.ports.http}`, PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await p?.dispose();
    await Promise.allSettled([sink?.stop(), dovecot?.stop()]);
  });

  test('the history lists the test with its counts; its page shows each seed\'s placement and auth results', async () => {
    await page.getByRole('link', { name: 'Placement' }).click();
    const row = page.locator(`tr[data-test="${id}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /finished[\s\S]*inbox 1[\s\S]*spam 0[\s\S]*missing 1/);
    await row.getByRole('link', { name: id }).click();
    const a = page.locator('tr[data-seed="seed-a"]');
    await a.waitFor({ timeout: 20_000 });
    assert.equal(await a.getByTestId('result').innerText(), 'inbox');
    assert.match(await a.innerText(), /INBOX\s+pass\s+fail\s+fail/);
    assert.equal(await page.locator('tr[data-seed="seed-b"]').getByTestId('result').innerText(), 'missing');
    await see(page, /mx\.provider\.test; spf=pass/);
    await shot(page, 'placement');
  });
});
