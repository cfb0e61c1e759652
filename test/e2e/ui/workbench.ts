/** A person's moves in the VS Code workbench, for playwright-driven e2e tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';

export async function openWorkbench(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  return page;
}

/** Quick Open (Ctrl+P) a file by name and wait until its text shows in the editor. */
export async function quickOpen(page: Page, fileName: string, expectText: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // Early key presses can be swallowed while the workbench wires its keybindings: retry.
  for (let i = 0; i < 30 && !(await input.isVisible()); i++) {
    await page.keyboard.press('Control+P');
    await page.waitForTimeout(500);
  }
  await input.fill(fileName);
  await page.locator(`.quick-input-list .monaco-list-row:has-text("${fileName}")`).first().click({ timeout: 30_000 });
  await page.waitForSelector(`.monaco-editor .view-lines:has-text("${expectText}")`, { timeout: 30_000 });
}

/** The editor line whose text contains `text` (the first one rendered). */
export function editorLine(page: Page, text: string) {
  return page.locator('.monaco-editor .view-line', { hasText: text }).first();
}

/** Right-clicks inside the editor on the line containing `text` and returns the context menu item locator factory. */
export async function rightClickOn(page: Page, text: string): Promise<void> {
  const line = editorLine(page, text);
  await line.click();
  await line.click({ button: 'right' });
}

/** The content frame of the webview panel (webviews are two nested iframes). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) }).catch(() => undefined);
}
