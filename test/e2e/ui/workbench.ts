/** A person's moves in the VS Code workbench, for playwright-driven e2e tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';

export async function openWorkbench(browser: Browser, url: string, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(url, { timeout: 120_000 }); // a loaded machine serves the first page slowly
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  return page;
}

/**
 * Opens a quick input with `shortcut`, types `text` and clicks the first row containing
 * `rowText`. Retries: key presses can be swallowed while the workbench wires its keybindings, the
 * widget is briefly inert while a previous quick input closes, and the command palette lists
 * commands as of the moment it opens (extension contributions may still be registering).
 */
async function pickFromQuickInput(page: Page, shortcut: string, text: string, rowText: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
  for (let attempt = 0; attempt < 20; attempt++) {
    for (let i = 0; i < 30 && !(await input.isVisible()); i++) {
      await page.keyboard.press(shortcut);
      await page.waitForTimeout(300);
    }
    try {
      await input.fill(text, { timeout: 2_000 });
      await row.waitFor({ timeout: 3_000 });
      await row.click({ timeout: 2_000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1_000);
    }
  }
  throw new Error(`the quick input never listed "${rowText}" for "${text}"`);
}

/** Quick Open (Ctrl+P) a file by name (`name:line` scrolls to a line) and wait until `expectText` shows in the editor. */
export async function quickOpen(page: Page, fileName: string, expectText: string): Promise<void> {
  await pickFromQuickInput(page, 'Control+P', fileName, fileName.replace(/:\d+$/, ''));
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

/** Runs a command from the command palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await pickFromQuickInput(page, 'Control+Shift+P', `>${title}`, title);
}

/**
 * Puts the cursor on the line containing `text` and opens the editor context menu until it shows
 * `item` (the extension sets the context key that enables it when the cursor moves).
 */
export async function openContextMenuItem(page: Page, text: string, item: string): Promise<void> {
  const menuItem = page.getByRole('menuitem', { name: item });
  for (let i = 0; i < 15; i++) {
    await rightClickOn(page, text);
    try {
      await menuItem.waitFor({ timeout: 1_000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  throw new Error(`the editor context menu never showed "${item}"`);
}

/** Picks the quick-pick row whose label starts with `label`. */
export async function pickQuickItem(page: Page, label: string): Promise<void> {
  const row = page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="${label}"]`).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
}

/** Polls a condition (file system state and the like) for up to `ms` milliseconds. */
export async function waitFor(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Runs an editor context-menu item on the line containing `lineText` and waits for the quick-pick
 * row `firstRow` it opens. A click that lands while the menu re-renders runs nothing; like a
 * person, try the menu again then.
 */
export async function contextMenuToQuickPick(page: Page, lineText: string, item: string, firstRow: string): Promise<void> {
  const row = page.locator(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label^="${firstRow}"]`).first();
  for (let attempt = 0; attempt < 3; attempt++) {
    await openContextMenuItem(page, lineText, item);
    // VS Code's menu ignores a click right after it opens (so the right-click's release cannot pick
    // an item); a person's pointer takes a moment to get there.
    const menuItem = page.getByRole('menuitem', { name: item });
    await menuItem.hover();
    await page.waitForTimeout(400);
    await menuItem.click();
    if (await row.waitFor({ timeout: 10_000 }).then(() => true, () => false)) return;
    await page.keyboard.press('Escape');
  }
  throw new Error(`"${item}" never opened its quick pick (no row "${firstRow}")`);
}

/** Polls `read` until its value satisfies `ok`, within `ms`; a read that throws counts as not yet. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what} (last value ${String(last)})`);
}

/**
 * Saves every editor and waits until no tab is left unsaved. "Save All" right after an edit that
 * also created a file can run before the new file's text is in (the file then stays unsaved), so
 * it is repeated, bounded, until the tabs say everything is saved.
 */
export async function saveAll(page: Page): Promise<void> {
  const dirty = page.locator('.tabs-container .tab.dirty');
  for (let attempt = 0; attempt < 5; attempt++) {
    await runCommand(page, 'File: Save All Files');
    if (await until(() => dirty.count(), (n) => n === 0, 'every tab saved', 3_000).then(() => true, () => false)) return;
  }
  throw new Error(`${await dirty.count()} editor tab(s) still unsaved after Save All`);
}

/**
 * Focuses the integrated terminal and waits until its input has the keyboard focus: keys typed
 * while the command palette is still closing go elsewhere (seen: the first letter of
 * `REDIS_URL=...` was lost, so the app ran without it).
 */
export async function focusTerminal(page: Page): Promise<void> {
  await runCommand(page, 'Terminal: Focus Terminal');
  await terminalFocused(page);
}

/** Waits until the integrated terminal's input has the keyboard focus. */
async function terminalFocused(page: Page): Promise<void> {
  await page.locator('.terminal-wrapper.active .xterm').first().waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => {
    // Runs in the page (no DOM types in the tests' compilation).
    const { document } = globalThis as unknown as { document: { activeElement: { classList: { contains(c: string): boolean } } | null } };
    return document.activeElement?.classList.contains('xterm-helper-textarea') === true;
  }, undefined, { timeout: 15_000 });
}

/** Types `command` into the integrated terminal and runs it (after `focusTerminal`). */
export async function runInTerminal(page: Page, command: string): Promise<void> {
  await focusTerminal(page);
  await page.keyboard.type(`${command}\n`);
}

/**
 * Opens a new integrated terminal (it carries CACHELENS_ENDPOINT), waits for its shell's prompt
 * and for the keyboard focus, and runs `command` in it.
 */
export async function runInNewTerminal(page: Page, command: string): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  await terminalFocused(page);
  await page.waitForTimeout(1_500); // the shell prints its prompt
  await page.keyboard.type(`${command}\n`);
}

/**
 * Hides the bottom panel (the terminal) when it shows: the editor and the cache panel get the
 * height, and no sticky-scroll line of a squeezed editor lies over the line to right-click.
 */
export async function hideBottomPanel(page: Page): Promise<void> {
  const panel = page.locator('.part.panel.bottom');
  // The panel's own "Hide Panel" button. (Through the command palette, a click that ran the command
  // but reported a failure left the helper retrying a command no longer listed once the panel hid.)
  const close = panel.locator('.title .action-label[aria-label^="Hide Panel"]').first();
  for (let attempt = 0; attempt < 5 && (await panel.isVisible()); attempt++) {
    await close.click({ timeout: 5_000 }).catch(() => undefined);
    await panel.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  }
  await panel.waitFor({ state: 'hidden', timeout: 5_000 });
}
