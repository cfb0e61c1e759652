/**
 * "See it live", end to end in a real VS Code: cache a function of the example through the UI,
 * run the example in the integrated terminal (which gets CACHELENS_ENDPOINT from the extension),
 * watch the panel's counters and the inline hint rise, clear the cache from the panel and see
 * misses again. Screenshots of the panel in a dark and a light theme go to out/test/e2e/screenshots.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, pickQuickItem, quickOpen, runCommand, saveAll, screenshot, until, webviewFrame } from './ui/workbench';

const FUNCTION_ID = 'src/prices.ts#pricesByRegion';

let page: Page;

async function cell(frame: FrameLocator, column: string): Promise<number> {
  const value = await frame.locator(`tr[data-id="${FUNCTION_ID}"] td[data-col="${column}"]`).getAttribute('data-value', { timeout: 30_000 });
  return Number(value);
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
