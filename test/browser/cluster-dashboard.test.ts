// Cluster mode, the dashboard in Chromium: signed in on node A, the same browser is signed in on node
// C (sessions live in the shared dashboard_sessions table; cookies for 127.0.0.1 ignore the port), and
// signing out on C ends the session on A too. Fails at once when Chromium is missing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startCluster, type Cluster } from '../kit/cluster.js';
import { launchPage, see as seeOn, shot, signIn } from './kit.js';

const PASSWORD = 'cluster-Dashboard-7';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cluster: the dashboard signs in on node A and works on node C', () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  const baseOf = (i: number) => `http://127.0.0.1:${cluster.nodes[i]!.ports.http}`;

  before(async () => {
    cluster = await startCluster(3, { http: { adminPasswordEnv: 'PETREL_ADMIN_PASSWORD' }, env: { PETREL_ADMIN_PASSWORD: PASSWORD } });
    ({ browser, page } = await launchPage());
  });
  after(async () => {
    await browser?.close();
    await cluster?.dispose();
  });

  const see = (text: string | RegExp) => seeOn(page, text);

  /** Open node C's dashboard until it shows the signed-in overview (replication takes ≤ ~0.5 s); the tries. */
  async function openSignedIn(base: string): Promise<number> {
    for (let tries = 1; tries <= 30; tries++) {
      await page.goto(`${base}/`);
      const overview = page.getByText('Overview: last 24 hours').first();
      const signInForm = page.getByText('Sign in to the dashboard.').first();
      await overview.or(signInForm).waitFor({ state: 'visible', timeout: 20_000 });
      if (await overview.isVisible()) return tries;
      await sleep(100);
    }
    return assert.fail('node C never saw the session made on node A');
  }

  test('a session made on node A is valid on node C, whose pages show the shared data', async () => {
    await signIn(page, baseOf(0), PASSWORD);
    const tries = await openSignedIn(baseOf(2));
    assert.ok(tries <= 30);
    await page.getByRole('link', { name: 'Domains' }).click();
    await see('example.test');
    await shot(page, 'cluster-node-c-domains');
  });

  test('signing out on node C ends the session on node A too', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'petrel_session');
    assert.ok(cookie, 'the browser holds the session cookie');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await see('Sign in to the dashboard.');
    const statusOnA = async () => (await fetch(`${baseOf(0)}/v1/session`, { headers: { cookie: `petrel_session=${cookie.value}` } })).status;
    let status = await statusOnA();
    for (let i = 0; i < 30 && status !== 401; i++) {
      await sleep(100);
      status = await statusOnA();
    }
    assert.equal(status, 401);
  });
});
