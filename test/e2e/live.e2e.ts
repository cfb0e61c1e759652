/**
 * "See it live", end to end in a real VS Code: cache a function of the example through the UI,
 * run the example in the integrated terminal (which gets CACHELENS_ENDPOINT from the extension),
 * watch the panel's counters and the CodeLens figures rise, clear the cache from the panel and see
 * misses again. Screenshots of the panel in a dark and a light theme go to out/test/e2e/screenshots.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, pickQuickItem, quickOpen, runCommand, runInNewTerminal, saveAll, screenshot, until, webviewFrame } from './ui/workbench';

const FUNCTION_ID = 'src/prices.ts#pricesByRegion';

let page: Page;

async function cell(frame: FrameLocator, column: string): Promise<number> {
  const value = await frame.locator(`tr[data-id="${FUNCTION_ID}"] td[data-col="${column}"]`).getAttribute('data-value', { timeout: 30_000 });
  return Number(value);
}

/** The texts of the CodeLenses the editor shows. */
async function codeLenses(p: Page): Promise<string[]> {
  return p.locator('.monaco-editor .codelens-decoration').allTextContents();
}

describe('live statistics in a real VS Code', { timeout: 600_000 }, () => {
  const session = liveWorkbench('live', { width: 1700, height: 950 });
  before(() => { page = session.page; });

  test('cache pricesByRegion through the UI and save', async () => {
    await quickOpen(page, 'prices.ts', 'pricesByRegion');
    await contextMenuToQuickPick(page, 'const rows = salesRows().filter', 'Cache this function', 'memory');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, '5m');
    await pickQuickItem(page, '1000');
    await page.waitForSelector('.monaco-editor .view-lines:has-text("pricesByRegion = memoize(function pricesByRegion")', { timeout: 30_000 });
    await saveAll(page);
  });

  test('the workbench runs in a dark theme (for the first screenshot)', async () => {
    await page.waitForSelector('.monaco-workbench.vs-dark', { timeout: 30_000 });
  });

  test('the example, run in the integrated terminal, reports to the panel: counts rise live', async () => {
    const status = page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first();
    await status.waitFor({ timeout: 60_000 });
    await runInNewTerminal(page, 'DURATION_S=60 npm start');
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

  test('the CodeLens above the cached function shows its live hit ratio and time saved', async () => {
    await runCommand(page, 'View: Focus First Editor Group');
    await quickOpen(page, 'prices.ts', 'pricesByRegion = memoize');
    const live = (texts: string[]) => texts.some((t) => /\d+% hits · [\d.]+ (ms|s|min|h) saved/.test(t));
    // 90 s: on a loaded machine the lenses' first analysis (ts-morph) of the edited file is slow.
    await until(() => codeLenses(page), live, 'the live figures in the CodeLens of prices.ts', 90_000);
    // No end-of-line hint by default (it sat under the minimap): the figures are in the CodeLens only.
    const afterLine = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<object> }; getComputedStyle(e: object, pseudo: string): { content: string } };
      return [...g.document.querySelectorAll('.monaco-editor .view-lines span')].map((e) => g.getComputedStyle(e, '::after').content).filter((c) => c.includes('hits'));
    });
    assert.deepEqual(afterLine, []);
    await screenshot(page, SHOTS, 'code-lens');
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
