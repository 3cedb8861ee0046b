// What the Chromium tests share: Debian's /usr/bin/chromium through playwright-core with the flags that
// keep it off the network, a page of 1280×860, and helpers to wait for text, sign in and save screenshots
// under test-artifacts/dashboard/. launchPage() fails at once when Chromium is missing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../kit/petrel.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-artifacts', 'dashboard');
/** The flags that keep Chromium off the (closed) network and out of first-run work. */
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A browser with one page; launch() gives Chromium a new empty profile of its own, removed on close. */
export async function launchPage(): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM)) throw new Error(`FATAL: ${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  return { browser, page };
}

/** Wait (up to 20 s) until `text` is visible on `page`. */
export const see = (page: Page, text: string | RegExp) => page.getByText(text).first().waitFor({ state: 'visible', timeout: 20_000 });

/** Save a full-page screenshot as test-artifacts/dashboard/<name>.png; returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Open the dashboard at `base` and sign in with the admin password; resolves on the overview. */
export async function signIn(page: Page, base: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Admin password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await see(page, 'Overview: last 24 hours');
}
