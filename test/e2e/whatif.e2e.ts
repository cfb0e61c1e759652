/**
 * "What if?", end to end in a real VS Code: cache the example's fetchUserSales through the UI
 * (max 100), run the example in the integrated terminal without a trace (the panel says how to
 * record one), then with CACHELENS_TRACE=1: the panel shows the hit-ratio curve over cache sizes
 * for the default policy and LRU, the current max marked, and the sentence about doubling it.
 * Screenshots go to out/test/e2e/screenshots/whatif.png (the workbench) and whatif-panel.png (the panel).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, pickQuickItem, quickOpen, runCommand, runInNewTerminal, saveAll, screenshot, until, webviewFrame } from './ui/workbench';

const FUNCTION_ID = 'src/data.ts#fetchUserSales';

let page: Page;

const hits = async (frame: FrameLocator): Promise<number> =>
  Number(await frame.locator(`tr[data-id="${FUNCTION_ID}"] td[data-col="hits"]`).getAttribute('data-value', { timeout: 5_000 }));

async function connectedProcesses(): Promise<number> {
  const text = await page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first().textContent({ timeout: 5_000 });
  return Number(/(\d+) process/.exec(text ?? '')?.[1] ?? NaN);
}

async function askWhatIf(frame: FrameLocator, state: string): Promise<void> {
  await frame.locator(`tr[data-id="${FUNCTION_ID}"] button[data-action="whatif"]`).click();
  await frame.locator(`#whatif[data-id="${FUNCTION_ID}"][data-state="${state}"]`).waitFor({ timeout: 60_000 });
}

describe('what if? in a real VS Code', { timeout: 600_000 }, () => {
  const session = liveWorkbench('whatif', { width: 1500, height: 1000 });
  before(() => { page = session.page; });

  test('cache fetchUserSales through the UI with max 100, and save', async () => {
    await quickOpen(page, 'data.ts', 'export interface Sale');
    // fetchUserSales is near the end of the file: go to its line so the editor renders it.
    await page.keyboard.press('Control+G');
    await page.keyboard.type('61');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.monaco-editor .view-lines:has-text("await sleep(DB_LATENCY_MS)")', { timeout: 30_000 });
    await page.waitForTimeout(1_000); // the editor settles (and the extension sees the cursor) before the right-click
    await contextMenuToQuickPick(page, 'await sleep(DB_LATENCY_MS)', 'Cache this function', 'memory');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, '5m');
    // Exactly 100 (the default, 1000, is listed first and also starts with "100").
    const hundred = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /^100\s*entries$/ }).first();
    await hundred.waitFor({ timeout: 30_000 });
    await hundred.click();
    await page.waitForSelector('.monaco-editor .view-lines:has-text("fetchUserSales = memoize(")', { timeout: 30_000 });
    await saveAll(page);
  });

  test('without a trace, What if? says how to record one', async () => {
    await page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first().waitFor({ timeout: 60_000 });
    await runInNewTerminal(page, 'DURATION_S=600 npm start');
    await until(connectedProcesses, (n) => n >= 1, 'the status bar to count the process', 90_000);
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await until(() => hits(frame), (n) => n > 0, 'hits of fetchUserSales', 60_000);
    await askWhatIf(frame, 'off');
    const text = (await frame.locator('#whatif-text').textContent()) ?? '';
    assert.match(text, /CACHELENS_TRACE=1/);
    assert.match(text, /trace: true/);
    assert.equal(await frame.locator('#whatif-chart canvas').count(), 0, 'no curve without a trace');
  });

  test('with CACHELENS_TRACE=1, What if? shows the curve, the current max and the sentence', async () => {
    // End the untraced run with its terminal, and start a traced one in a new terminal.
    await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
    await until(connectedProcesses, (n) => n === 0, 'the untraced process to leave', 30_000);
    await runInNewTerminal(page, 'CACHELENS_TRACE=1 DURATION_S=600 npm start');
    await until(connectedProcesses, (n) => n >= 1, 'the traced process to connect', 90_000);
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    const start = await until(() => hits(frame), (n) => n > 0, 'hits of fetchUserSales');
    await until(() => hits(frame), (n) => n > start + 1500, 'a few thousand traced calls', 120_000);

    await askWhatIf(frame, 'ready');
    const sentence = (await frame.locator('#whatif-sentence').textContent()) ?? '';
    assert.match(sentence, /^Doubling max \(100 → 200\) would (raise hits from \d+% to \d+%|not raise hits above \d+%: [\d,]+ entries already give that much)\.$/);
    const source = (await frame.locator('#whatif-text').textContent()) ?? '';
    assert.match(source, /^Replayed [\d,]+ recorded lookups of cachelens-example-dashboard \(pid \d+\)/);
    await frame.locator('#whatif-chart canvas').first().waitFor({ timeout: 10_000 });
    const legend = await frame.locator('#whatif-chart .u-legend').textContent();
    assert.match(legend ?? '', /default \(adaptive\)/);
    assert.match(legend ?? '', /LRU/);
    const label = (await frame.locator('#whatif-chart').getAttribute('aria-label')) ?? '';
    assert.match(label, /at the current max of 100: default \(adaptive\) \d+%, LRU \d+%/);
    console.log(`[whatif e2e] ${sentence} | ${label} | ${source}`);

    await runCommand(page, 'View: Hide Panel');
    await frame.locator('#whatif').scrollIntoViewIfNeeded();
    await page.waitForTimeout(1_000);
    await screenshot(page, SHOTS, 'whatif');
    // The panel down to the what-if view, for the README (media/whatif.png is a copy of a run's image).
    const panelBox = await page.locator('iframe.webview.ready').boundingBox();
    const whatIfBox = await frame.locator('#whatif').boundingBox();
    if (panelBox && whatIfBox) {
      const height = Math.min(panelBox.height, whatIfBox.y + whatIfBox.height + 12 - panelBox.y);
      await page.screenshot({ path: path.join(SHOTS, 'whatif-panel.png'), clip: { x: panelBox.x, y: panelBox.y, width: panelBox.width, height } });
    }
    await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
  });
});
