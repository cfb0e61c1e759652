/**
 * "See it live", end to end in a real VS Code: cache a function of the example through the UI,
 * run the example in the integrated terminal (which gets CACHELENS_ENDPOINT from the extension),
 * watch the panel's counters and the inline hint rise, clear the cache from the panel and see
 * misses again. Screenshots of the panel in a dark and a light theme go to out/test/e2e/screenshots.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/code-server';
import { ROOT, TEST_OUT } from '../harness/paths';
import { contextMenuToQuickPick, openWorkbench, pickQuickItem, quickOpen, runCommand, screenshot, webviewFrame } from './ui/workbench';
import { copyExample, linkRuntime } from './workspace';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const VSIX = process.env.CACHELENS_VSIX ?? path.join(ROOT, 'dist', `cachelens-${manifest.version}.vsix`);
const OUT = path.join(TEST_OUT, 'e2e-live');
const SHOTS = path.join(TEST_OUT, 'e2e', 'screenshots');
const FUNCTION_ID = 'src/prices.ts#pricesByRegion';

let server: CodeServer;
let browser: Browser;
let page: Page;

async function cell(frame: FrameLocator, column: string): Promise<number> {
  const value = await frame.locator(`tr[data-id="${FUNCTION_ID}"] td[data-col="${column}"]`).getAttribute('data-value', { timeout: 30_000 });
  return Number(value);
}

/** Polls a number from the page until it satisfies `ok`, within `ms`. */
async function until(read: () => Promise<number>, ok: (n: number) => boolean, what: string, ms = 30_000): Promise<number> {
  const deadline = Date.now() + ms;
  let last = NaN;
  while (Date.now() < deadline) {
    last = await read().catch(() => NaN);
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what} (last value ${last})`);
}

/** The text the editor draws after a line's content (decorations are CSS pseudo-elements, not text). */
async function inlineHints(p: Page): Promise<string[]> {
  // Runs in the page: the DOM types are not in this (Node) project, hence the narrow casts.
  return p.evaluate(() => {
    const page = globalThis as unknown as {
      document: { querySelectorAll(selector: string): Iterable<object> };
      getComputedStyle(element: object, pseudo: string): { content: string };
    };
    return [...page.document.querySelectorAll('.monaco-editor .view-lines span')]
      .flatMap((e) => [page.getComputedStyle(e, '::after').content, page.getComputedStyle(e, '::before').content])
      .filter((c) => c && c !== 'none' && c !== 'normal' && c.includes('hits'));
  });
}

describe('live statistics in a real VS Code', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(VSIX), `packed extension ${VSIX} is missing: run \`npm run package\` first`);
    assert.ok(fs.existsSync(path.join(ROOT, 'runtime', 'dist', 'cjs', 'index.js')), 'the runtime is built (npm run build)');
    fs.rmSync(OUT, { recursive: true, force: true });
    const workspace = copyExample(path.join(OUT, 'ws'));
    linkRuntime(workspace);
    server = await startCodeServer({
      stateDir: path.join(OUT, 'cs'),
      folder: workspace,
      vsix: VSIX,
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, server.url, { width: 1700, height: 950 });
  });

  afterEach(async (context) => {
    // node:test passes the finished test's context; screenshot the failures.
    const failed = (context as { passed?: boolean }).passed === false;
    if (failed && page) await screenshot(page, SHOTS, `FAILED-live-${(context as { name: string }).name.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('cache pricesByRegion through the UI and save', async () => {
    await quickOpen(page, 'prices.ts', 'pricesByRegion');
    await contextMenuToQuickPick(page, 'const rows = salesRows().filter', 'Cache this function', 'memory');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, '5m');
    await pickQuickItem(page, '1000');
    await page.waitForSelector('.monaco-editor .view-lines:has-text("pricesByRegion = memoize(function pricesByRegion")', { timeout: 30_000 });
    await runCommand(page, 'File: Save All Files');
  });

  test('the workbench runs in a dark theme (for the first screenshot)', async () => {
    await page.waitForSelector('.monaco-workbench.vs-dark', { timeout: 30_000 });
  });

  test('the example, run in the integrated terminal, reports to the panel: counts rise live', async () => {
    const status = page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first();
    await status.waitFor({ timeout: 60_000 });
    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper.active .xterm').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_500); // the shell prints its prompt
    await page.keyboard.type('DURATION_S=60 npm start\n');
    await until(async () => Number(/(\d+) process/.exec((await status.textContent()) ?? '')?.[1]), (n) => n >= 1, 'the status bar to count the process', 90_000);

    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await frame.locator(`tr[data-id="${FUNCTION_ID}"]`).waitFor({ timeout: 60_000 });
    const first = await until(() => cell(frame, 'hits'), (n) => n > 0, 'hits of pricesByRegion');
    await until(() => cell(frame, 'hits'), (n) => n > first, 'hits to rise while the app runs');
    assert.equal(await cell(frame, 'misses'), 5, 'one miss per region (5 regions), then hits only');
    await frame.locator(`tr[data-id="src/prices.ts#topProducts"]`).waitFor({ timeout: 10_000 });
    await frame.locator(`tr[data-id="${FUNCTION_ID}"]`).click();
    await runCommand(page, 'View: Hide Panel');
    await page.waitForTimeout(6_000); // a few seconds of chart
    await screenshot(page, SHOTS, 'panel-dark');
  });

  test('the inline hint next to the cached function shows its live hit ratio', async () => {
    await runCommand(page, 'View: Focus First Editor Group');
    await quickOpen(page, 'prices.ts', 'pricesByRegion = memoize');
    const hints = await until(async () => (await inlineHints(page)).length, (n) => n > 0, 'an inline hint in prices.ts', 30_000);
    assert.ok(hints > 0);
    const text = (await inlineHints(page)).join(' ');
    assert.match(text, /\d+% hits/);
    await screenshot(page, SHOTS, 'inline-hint');
  });

  test('clearing the cache from the panel makes the next calls miss again', async () => {
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    const before = await until(() => cell(frame, 'misses'), (n) => n > 0, 'misses before clearing');
    await frame.locator(`tr[data-id="${FUNCTION_ID}"] button[data-action="clear"]`).click();
    await until(() => cell(frame, 'misses'), (n) => n > before, 'misses to rise after the clear', 30_000);
  });

  test('the panel reads well in a light theme too', async () => {
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill('Light Modern');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Light Modern' }).first().click();
    await page.waitForSelector('.monaco-workbench.vs', { timeout: 30_000 });
    await runCommand(page, 'CacheLens: Show cache panel');
    await webviewFrame(page).locator(`tr[data-id="${FUNCTION_ID}"]`).waitFor({ timeout: 30_000 });
    await webviewFrame(page).locator('#title').scrollIntoViewIfNeeded(); // the clear button scrolled the table sideways
    await page.waitForTimeout(3_000);
    await screenshot(page, SHOTS, 'panel-light');
  });
});
