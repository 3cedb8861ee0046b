// The dashboard in headless Chromium (Debian's /usr/bin/chromium through playwright-core): sign in,
// send through the API, find the message in the queue, read its trace, retry it, sign out. Fails at
// once when Chromium is missing. Screenshots of every page go to test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDnsServer, type TestDnsServer } from '../kit/dns-server.js';
import { ALICE, startPetrel, type Petrel } from '../kit/petrel.js';
import { freePort } from '../kit/ports.js';
import { startSink, type Sink } from '../kit/sink.js';
import { launchPage, see as seeOn, shot as shotOf } from './kit.js';

const PASSWORD = 'dashboard-Secret-9';
const SINK_IP = '127.0.0.23';

describe('dashboard in Chromium', () => {
  let dns: TestDnsServer;
  let sink: Sink;
  let p: Petrel;
  let browser: Browser;
  let page: Page;
  let base: string;
  let adminKey: string;
  let messageId: string;

  before(async () => {
    const mxPort = await freePort();
    dns = await startDnsServer({
      'remote.test': { MX: [{ preference: 10, exchange: 'mx.remote.test' }] },
      'mx.remote.test': { A: [SINK_IP] },
    });
    // Every RCPT gets a 4xx: the message stays deferred, and each retry adds an attempt.
    sink = await startSink(SINK_IP, mxPort, ['-r', 'RCPT', '-b', '452 4.2.2 Mailbox full, try again later']);
    p = await startPetrel({
      dns: { servers: [dns.server] },
      delivery: { enabled: true, mxPort, pollIntervalMs: 200, mtaSts: { enabled: false } },
      http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' },
      env: { PETREL_ADMIN_PASSWORD: PASSWORD },
      setup: [
        { args: ['domain', 'add', 'example.test'] },
        { args: ['user', 'add', ALICE.user, '--password-stdin'], stdin: ALICE.password + '\n' },
      ],
    });
    base = `http://127.0.0.1:${p.ports.http}`;
    const key = await p.cli(['apikey', 'create', 't', '--scope', 'admin']);
    assert.equal(key.code, 0, key.stderr);
    adminKey = key.stdout.trim();
    ({ browser, page } = await launchPage());
  });
  after(async () => {
    await browser?.close();
    await p?.dispose();
    await sink?.stop();
    await dns?.close();
  });

  const see = (text: string | RegExp) => seeOn(page, text);
  const shot = (name: string) => shotOf(page, name);

  test('the dashboard is served with its assets and cache headers', async () => {
    const index = await fetch(`${base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const js = await fetch(base + script);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${base}/some/page`)).headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal((await fetch(`${base}/assets/nothing.js`)).status, 404);
    const api404 = await fetch(`${base}/v1/nothing`);
    assert.equal(api404.status, 404);
    assert.equal(((await api404.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  test('sign-in API: wrong or malformed secrets are 4xx, a session acts with its scope', async () => {
    const signIn = (body: string) => fetch(`${base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const body of ['{}', '{"password":""}', '{"password":5}', '{"password":"x","apiKey":"y"}', `{"password":"${'x'.repeat(5000)}"}`, '[]', 'null']) {
      assert.equal((await signIn(body)).status, 400, body);
    }
    assert.equal((await signIn('{"password":"nope"}')).status, 401);
    assert.equal((await signIn('{"apiKey":"pk_nope"}')).status, 401);
    const send = (await p.cli(['apikey', 'create', 's', '--scope', 'send'])).stdout.trim();
    assert.equal((await signIn(JSON.stringify({ apiKey: send }))).status, 403);
    const read = (await p.cli(['apikey', 'create', 'r', '--scope', 'read'])).stdout.trim();
    const res = await signIn(JSON.stringify({ apiKey: read }));
    assert.equal(res.status, 200);
    const cookie = /^(petrel_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie && /HttpOnly/.test(res.headers.get('set-cookie')!) && /SameSite=Strict/.test(res.headers.get('set-cookie')!));
    assert.equal((await fetch(`${base}/v1/messages`, { headers: { cookie } })).status, 200);
    const retry = await fetch(`${base}/v1/messages/NOSUCH/retry`, { method: 'POST', headers: { cookie } });
    assert.equal(retry.status, 403, 'a read session may not act on the queue');
    assert.equal((await fetch(`${base}/v1/messages`, { headers: { cookie: 'petrel_session=forged' } })).status, 401);
    const overview = (await (await fetch(`${base}/v1/overview?hours=3`, { headers: { cookie } })).json()) as { buckets: unknown[] };
    assert.equal(overview.buckets.length, 3);
    assert.equal((await fetch(`${base}/v1/overview?hours=0`, { headers: { cookie } })).status, 400);
    assert.equal((await fetch(`${base}/v1/overview?hours=abc`, { headers: { cookie } })).status, 400);
  });

  test('a wrong password is refused; the right one signs in to the overview', async () => {
    await page.goto(`${base}/`);
    await see('Sign in to the dashboard.');
    await shot('sign-in');
    await page.getByLabel('Admin password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see('wrong password');
    await page.getByLabel('Admin password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see('Overview: last 24 hours');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'petrel_session');
    assert.ok(session?.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
  });

  test('a message sent through the API shows in the queue, deferred by the remote', async () => {
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'alice@example.test', to: 'bob@remote.test', subject: 'dashboard test', text: 'hello' }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    messageId = ((await res.json()) as { id: string }).id;
    await page.getByRole('link', { name: 'Queue' }).click();
    await see('Recipient domain');
    await page.getByRole('link', { name: messageId }).waitFor({ timeout: 20_000 });
    await see('bob@remote.test');
    await shot('queue');
  });

  test('the trace shows the reply, its class and advice; retry adds an attempt', async () => {
    await page.getByRole('link', { name: messageId }).click();
    await see(`Message ${messageId}`);
    await see('452 4.2.2 Mailbox full, try again later');
    await see(/Suggested fix:/);
    const attempts = page.getByTestId('attempts');
    await page.waitForFunction(() => document.querySelector('[data-testid="attempts"]')?.textContent === '1', null, { timeout: 20_000 });
    await shot('trace');
    await page.getByRole('button', { name: 'Retry' }).click();
    await see('retry done');
    await page.waitForFunction(() => document.querySelector('[data-testid="attempts"]')?.textContent === '2', null, { timeout: 20_000 });
    assert.equal(await attempts.textContent(), '2');
    await see(/deferred/);
  });

  test('overview, domains, suppressions and the live events render', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('[data-total="accepted"]').filter({ hasText: '1' }).waitFor({ timeout: 20_000 });
    await page.locator('.uplot').waitFor();
    await shot('overview');
    await page.getByRole('link', { name: 'Domains' }).click();
    await see('example.test');
    await see('v=spf1');
    await page.getByRole('button', { name: 'Check DNS and blocklists' }).click();
    await see(/No failures|Some checks fail/);
    await shot('domains');
    await page.getByRole('link', { name: 'Suppressions' }).click();
    await see('Suppression list');
    await shot('suppressions');
    await page.getByRole('link', { name: 'Live events' }).click();
    await see('Polling every second.');
    await page.locator('tbody .badge.deferred').first().waitFor({ timeout: 20_000 });
    await shot('events');
  });

  test('sign out ends the session: the API refuses the old cookie', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'petrel_session')!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await see('Sign in to the dashboard.');
    const res = await fetch(`${base}/v1/messages`, { headers: { cookie: `petrel_session=${cookie.value}` } });
    assert.equal(res.status, 401);
  });
});
