import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, installed by scripts/provision-browser.sh, unless CHROMIUM_PATH says otherwise. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

// Headless, no sandbox (CI runs as root in a container), and nothing that phones home or
// updates itself mid-test.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches the system Chromium through playwright-core (which downloads no browser).
 * Fails loudly when it is missing: a UI test must not pass without a browser.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: run scripts/provision-browser.sh or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** A page the same size, time zone and theme every run, so screenshots differ only when the UI does. */
export async function newOnCallPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1600, height: 800 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(20_000);
  return { context, page: await context.newPage() };
}

/**
 * Where screenshots go: SCREENSHOT_DIR (`SCREENSHOT_DIR=docs/screenshots` refreshes the
 * committed ones) or a fresh temporary directory, so a plain test run leaves the tree clean.
 */
export function screenshotDir(): string {
  const configured = process.env.SCREENSHOT_DIR;
  if (!configured) return mkdtempSync(join(tmpdir(), 'migrate-identity-screenshots-'));
  const dir = resolve(configured);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A viewport screenshot without carets or animations; returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}
