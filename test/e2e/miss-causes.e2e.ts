/**
 * "Why did it miss?" end to end in a real VS Code: cache a function of the example through the UI
 * with a TTL much shorter than the time between its calls for one argument, run the example in
 * the integrated terminal, select the function in the panel: it shows its misses by cause and the
 * expiration sentence with the suggested longer TTL. Screenshot: out/test/e2e/screenshots/miss-causes.png.
 */
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, pickQuickItem, quickOpen, runCommand, runInNewTerminal, saveAll, screenshot, until, webviewFrame } from './ui/workbench';

const FUNCTION_ID = 'src/prices.ts#pricesByRegion';
const EXPIRATIONS = /^\d+% of misses are expirations: entries are reused after a median of [\d.]+ (ms|s|min) but live 100 ms; a TTL of [\d.]+ (ms|s|min) would have turned [\d,]+ of those misses into hits\.$/;

let page: Page;

describe('why did it miss, in a real VS Code', { timeout: 600_000 }, () => {
  const session = liveWorkbench('miss-causes', { width: 1700, height: 950 });
  before(() => { page = session.page; });

  test('a function with a too-short TTL shows the expiration sentence with the suggested TTL', async () => {
    await quickOpen(page, 'prices.ts', 'pricesByRegion');
    await contextMenuToQuickPick(page, 'const rows = salesRows().filter', 'Cache this function', 'memory');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, 'Custom');
    // The same widget turns from the list into the input box: type only once the box's prompt shows
    // (typed earlier, the text went to the closing list and the box never got it).
    await page.locator('.quick-input-widget', { hasText: 'Time to live, e.g. 90s' }).waitFor({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget input');
    await input.fill('100ms');
    await until(() => input.inputValue(), (v) => v === '100ms', 'the TTL typed into the input box', 10_000);
    await input.press('Enter');
    await pickQuickItem(page, '1000');
    await page.waitForSelector('.monaco-editor .view-lines:has-text("pricesByRegion = memoize(function pricesByRegion")', { timeout: 30_000 });
    await saveAll(page);

    const status = page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first();
    await status.waitFor({ timeout: 60_000 });
    await runInNewTerminal(page, 'DURATION_S=90 npm start');
    await until(async () => Number(/(\d+) process/.exec((await status.textContent()) ?? '')?.[1]), (n) => n >= 1, 'the status bar to count the process', 90_000);

    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await frame.locator(`tr[data-id="${FUNCTION_ID}"]`).waitFor({ timeout: 60_000 });
    await frame.locator(`tr[data-id="${FUNCTION_ID}"]`).click();
    await frame.locator('#misses:not([hidden])').waitFor({ timeout: 60_000 });
    await until(async () => (await frame.locator('#misses-advice').textContent()) ?? '', (t) => EXPIRATIONS.test(t), 'the expiration sentence with a suggested TTL', 90_000);
    await until(async () => (await frame.locator('#misses-split').textContent()) ?? '', (t) => /^Misses: \d+% expired/.test(t), 'expirations first in the split', 30_000);
    await runCommand(page, 'View: Hide Panel');
    await frame.locator('#misses').scrollIntoViewIfNeeded();
    await page.waitForTimeout(2_000);
    await screenshot(page, SHOTS, 'miss-causes');
  });
});
