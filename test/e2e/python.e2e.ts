/**
 * CacheLens on a Python app, end to end in a real VS Code: examples/flask-app is a small Flask app
 * with a Flask-Caching page, a plain slow function (`price_of`) and an `lru_cache` one
 * (`tax_rate`). Through the workbench's UI: right-click `price_of` -> memory / 5m -> the decorator,
 * the import, cachelens.config.json, the vendored wheel and its line in requirements.txt appear,
 * and one Undo takes them all back; Redo and save; in VS Code's terminal the app runs in a venv over
 * Debian's Python (made by the test, the wheel from dist/runtime installed offline; `python -m flask`)
 * and 10 identical
 * requests show 1 miss and 9 hits in its row, whose per-process breakdown names the runtime
 * (cachelens-py) and whose link opens app.py; "Watch this cache" on `tax_rate` makes its hits
 * appear; "Remove caching" restores the file exactly (as watching alone leaves it).
 * Screenshots: out/test/e2e/screenshots/python-*.png.
 * Needs: the prerequisites (code-server), `npm run build` (the wheel) and a packed .vsix
 * (`node scripts/package.mjs --no-build`), Debian's python3 with flask and flask_caching.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { loadPythonCodemod } from '../../extension/codemod/src/python/index.js';
import { freePort } from '../harness/code-server';
import { ROOT } from '../harness/paths';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, editorLine, focusTerminal, hideBottomPanel as hidePanel, openContextMenuItem, pickQuickItem, quickOpen, runCommand, runInNewTerminal, saveAll, screenshot, until, waitFor, webviewFrame } from './ui/workbench';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const WHEEL_NAME = `cachelens-${manifest.version}-py3-none-any.whl`;
const WHEEL_PATH = `vendor/${WHEEL_NAME}`;
const SHIPPED_WHEEL = path.join(ROOT, 'dist', 'runtime', WHEEL_NAME);
const PRICE = 'app.py#price_of';

/** A venv over Debian's Python (its flask and flask_caching visible) with the runtime's wheel installed offline. */
function makeVenv(workspace: string): void {
  assert.ok(fs.existsSync(SHIPPED_WHEEL), `${SHIPPED_WHEEL} is missing: run \`npm run build\` first`);
  const venv = spawnSync('/usr/bin/python3', ['-m', 'venv', '--system-site-packages', '.venv'], { cwd: workspace, encoding: 'utf8', timeout: 120_000 });
  assert.equal(venv.status, 0, `python3 -m venv failed: ${venv.stderr}`);
  const pip = spawnSync(path.join(workspace, '.venv', 'bin', 'pip'), ['install', '--no-index', '--no-deps', '--quiet', SHIPPED_WHEEL], {
    cwd: workspace, encoding: 'utf8', timeout: 180_000, env: { ...process.env, PIP_NO_CACHE_DIR: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  assert.equal(pip.status, 0, `pip install --no-index ${WHEEL_NAME} failed: ${pip.stdout}\n${pip.stderr}`);
}

/** The HTTP status of GET `url`, or 0 when nothing answers. */
async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

describe('a Flask app (examples/flask-app) in a real VS Code', { timeout: 1_200_000 }, () => {
  const session = liveWorkbench('python', { width: 1600, height: 950 }, { example: 'flask-app', prepare: makeVenv });
  let page: Page;
  let workspace: string;
  let original: string;
  let port = 0;
  const base = () => `http://127.0.0.1:${port}`;
  const file = (...parts: string[]) => path.join(workspace, ...parts);

  before(() => {
    page = session.page;
    workspace = session.workspace;
    original = fs.readFileSync(file('app.py'), 'utf8');
  });

  const hideBottomPanel = () => hidePanel(page);

  /** Undo or Redo from the editor; VS Code asks whether to do it across the edit's files: yes. */
  async function undoRedo(keys: string, verb: 'Undo' | 'Redo', shot: string): Promise<void> {
    await page.keyboard.press(keys);
    const acrossFiles = page.locator('.monaco-dialog-box .monaco-button', { hasText: new RegExp(`${verb} in \\d+ Files`) });
    if (await acrossFiles.waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
      await screenshot(page, SHOTS, shot);
      await acrossFiles.click();
    }
  }

  /** Starts the app in a new integrated terminal (which has CACHELENS_ENDPOINT) and waits until it answers. */
  async function runApp(): Promise<void> {
    port = await freePort();
    // The venv sees Debian's flask (--system-site-packages) but has no flask script of its own.
    await runInNewTerminal(page, `.venv/bin/python -m flask --app app run --port ${port}`);
    await until(() => status(`${base()}/health`), (s) => s === 200, 'the Flask app started in the terminal to answer', 90_000);
  }

  /** Ctrl+C in the terminal, as a person stops the app; waits until the port is closed. */
  async function stopApp(): Promise<void> {
    await focusTerminal(page);
    await page.keyboard.press('Control+C');
    await until(() => status(`${base()}/health`), (s) => s === 0, 'the app to stop after Ctrl+C', 30_000);
  }

  async function cell(frame: FrameLocator, row: string, column: string): Promise<string> {
    return (await frame.locator(`${row} td[data-col="${column}"]`).first().getAttribute('data-value', { timeout: 5_000 })) ?? '';
  }

  test('right-click price_of -> memory / 5m: decorator, import, config, wheel and requirement appear; one Undo takes them all back', async () => {
    // The terminal's panel first: with it open, the editor is too short to show the function.
    await hideBottomPanel();
    await quickOpen(page, 'app.py', 'def price_of');
    await contextMenuToQuickPick(page, 'time.sleep(0.05)', 'Cache this function', 'memory');
    await screenshot(page, SHOTS, 'python-quick-pick');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, '5m');
    await pickQuickItem(page, '1000');
    const decorator = editorLine(page, `id="${PRICE}"`);
    await decorator.waitFor({ timeout: 60_000 });
    assert.match(((await decorator.textContent()) ?? '').replace(/\u00a0/g, ' '), /@memoize\(backend="memory", ttl="5m", max=1000, id="app\.py#price_of"\)/);
    await editorLine(page, 'from cachelens import memoize').waitFor({ timeout: 10_000 });
    await waitFor(() => fs.existsSync(file('cachelens.config.json')), 'cachelens.config.json created at the app root', 30_000);
    JSON.parse(fs.readFileSync(file('cachelens.config.json'), 'utf8'));
    // The edit's file operations run in order (config, then the wheel): the wheel may land a moment later.
    await waitFor(() => fs.existsSync(file('vendor', WHEEL_NAME)) && fs.statSync(file('vendor', WHEEL_NAME)).size === fs.statSync(SHIPPED_WHEEL).size, 'the wheel copied into vendor/', 30_000);
    assert.ok(fs.readFileSync(file('vendor', WHEEL_NAME)).equals(fs.readFileSync(SHIPPED_WHEEL)), 'the wheel shipped with the extension is copied into vendor/');
    await screenshot(page, SHOTS, 'python-cached');
    // The interpreter on the PATH (Debian's) lacks the runtime: the extension offers to install it.
    const offer = page.locator('.notification-list-item', { hasText: 'has no cachelens package' }).first();
    if (await offer.waitFor({ timeout: 10_000 }).then(() => true, () => false)) await screenshot(page, SHOTS, 'python-runtime-offer');
    await runCommand(page, 'Notifications: Clear All Notifications');

    await decorator.click();
    await undoRedo('Control+Z', 'Undo', 'python-undo-across-files');
    await waitFor(() => !fs.existsSync(file('cachelens.config.json')), 'cachelens.config.json removed by the one Undo', 30_000);
    await waitFor(() => !fs.existsSync(file('vendor', WHEEL_NAME)), 'the vendored wheel removed by the one Undo', 30_000);
    await until(() => editorLine(page, 'from cachelens import memoize').count(), (n) => n === 0, 'the import gone from the editor');
    assert.equal(await editorLine(page, `id="${PRICE}"`).count(), 0, 'the decorator gone from the editor');
    await screenshot(page, SHOTS, 'python-undone');
  });

  test('Redo and save: app.py and the config are on disk', async () => {
    await editorLine(page, 'def price_of').click();
    await undoRedo('Control+Shift+Z', 'Redo', 'python-redo-across-files');
    await editorLine(page, `id="${PRICE}"`).waitFor({ timeout: 30_000 });
    await saveAll(page);
    await waitFor(() => fs.readFileSync(file('app.py'), 'utf8').includes(`id="${PRICE}"`), 'app.py saved with the decorator', 30_000);
    const source = fs.readFileSync(file('app.py'), 'utf8');
    assert.match(source, /^from cachelens import memoize$/m);
    assert.match(source, /\n@memoize\(backend="memory", ttl="5m", max=1000, id="app\.py#price_of"\)\ndef price_of\(sku: str\) -> int:/);
    const config = JSON.parse(fs.readFileSync(file('cachelens.config.json'), 'utf8')) as { backends: Record<string, { type: string }> };
    assert.equal(config.backends.memory?.type, 'memory');

    // VS Code may leave out the Redo of requirements.txt, a file no editor has open (as for its own
    // refactorings). "Change cache settings" with the same answers puts the line back and leaves
    // the source alone; when the Redo did reach it, the command changes nothing.
    await contextMenuToQuickPick(page, 'time.sleep(0.05)', 'Change cache settings', 'memory');
    await pickQuickItem(page, 'memory');
    await pickQuickItem(page, '5m');
    await pickQuickItem(page, '1000');
    // The repaired requirements.txt is an unsaved edit: Save All until it is on disk.
    await until(async () => {
      await saveAll(page);
      return fs.readFileSync(file('requirements.txt'), 'utf8').includes(WHEEL_PATH);
    }, (saved) => saved, 'requirements.txt saved naming the wheel', 30_000);
    assert.equal(fs.readFileSync(file('requirements.txt'), 'utf8').split(WHEEL_PATH).length, 2, 'named once');
    assert.equal(fs.readFileSync(file('app.py'), 'utf8'), source, 'app.py as the Redo left it');
    assert.ok(fs.existsSync(file('vendor', WHEEL_NAME)), 'the wheel is in vendor/');
  });

  test('the app runs from the terminal in the venv: 10 identical requests -> 1 miss and 9 hits; the breakdown names cachelens-py; the link opens app.py', async () => {
    await page.locator('.statusbar-item', { hasText: /CacheLens/ }).first().waitFor({ timeout: 60_000 });
    await runApp();
    for (let i = 0; i < 10; i++) assert.equal(await status(`${base()}/price/apple`), 200, `GET /price/apple #${i + 1}`);

    // Another file in front first, so the link's effect shows (the panel opens beside it).
    await quickOpen(page, 'requirements.txt', 'flask');
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    const row = `tr[data-id="${PRICE}"]`;
    await frame.locator(row).waitFor({ timeout: 60_000 });
    await until(() => cell(frame, row, 'hits'), (n) => n === '9', 'hits of price_of');
    assert.equal(await cell(frame, row, 'misses'), '1', 'one miss');
    await hideBottomPanel();
    await frame.locator(row).click();
    const runtime = frame.locator('#breakdown td[data-col="runtime"]').first();
    await runtime.waitFor({ timeout: 30_000 });
    assert.equal(await runtime.textContent(), 'cachelens-py');
    await page.waitForTimeout(1_500); // the selected row's chart
    await screenshot(page, SHOTS, 'python-panel');

    const link = frame.locator(`${row} button.link`);
    assert.match((await link.getAttribute('title')) ?? '', /^Open the source of app\.py#\w+ \(reported at app\.py:\d+\)$/);
    await link.click();
    const activeTab = page.locator('.editor-group-container.active .tab.active');
    await until(async () => (await activeTab.textContent()) ?? '', (t) => t.includes('app.py'), 'the link to open app.py', 30_000);
    await screenshot(page, SHOTS, 'python-link-opened');
    await stopApp();
  });

  test('"Watch this cache" on the lru_cache function tax_rate: one line added; run again and its hits appear', async () => {
    // The terminal's panel first: with it open, the editor is too short to show the function.
    await hideBottomPanel();
    await quickOpen(page, 'app.py', 'def tax_rate');
    await openContextMenuItem(page, 'time.sleep(0.02)', 'Watch this cache');
    await screenshot(page, SHOTS, 'python-watch-menu');
    const item = page.getByRole('menuitem', { name: 'Watch this cache' });
    await item.hover();
    await page.waitForTimeout(400);
    await item.click();
    await editorLine(page, 'cachelens.watch(tax_rate)').waitFor({ timeout: 30_000 });
    await saveAll(page);
    await waitFor(() => fs.readFileSync(file('app.py'), 'utf8').includes('\ncachelens.watch(tax_rate)\n'), 'app.py saved with the watch line', 30_000);

    await runApp();
    for (let i = 0; i < 5; i++) assert.equal(await status(`${base()}/tax/north`), 200, `GET /tax/north #${i + 1}`);
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    const row = 'tr[data-id$="#tax_rate"]';
    await frame.locator(row).first().waitFor({ timeout: 60_000 });
    await until(() => cell(frame, row, 'hits'), (n) => Number(n) >= 4, 'hits of the watched lru_cache');
    await hideBottomPanel();
    await frame.locator(row).first().click();
    await page.waitForTimeout(1_500);
    await screenshot(page, SHOTS, 'python-watched');
    await stopApp();
  });

  test('"Remove caching" on price_of restores the file exactly (as watching tax_rate alone leaves it)', async () => {
    const python = await loadPythonCodemod();
    const watched = python.watchFunction({ text: original, fileName: 'app.py', position: original.indexOf('def tax_rate') });
    assert.ok(watched.ok);
    const expected = watched.edits.source.reduceRight((text, e) => text.slice(0, e.start) + e.newText + text.slice(e.end), original);

    // The terminal's panel first: with it open, the editor is too short to show the function.
    await hideBottomPanel();
    await quickOpen(page, 'app.py', 'def price_of');
    await openContextMenuItem(page, 'time.sleep(0.05)', 'Remove caching');
    const item = page.getByRole('menuitem', { name: 'Remove caching' });
    await item.hover();
    await page.waitForTimeout(400);
    await item.click();
    await until(() => editorLine(page, `id="${PRICE}"`).count(), (n) => n === 0, 'the decorator removed');
    await saveAll(page);
    await waitFor(() => fs.readFileSync(file('app.py'), 'utf8') === expected, 'app.py on disk is byte for byte the original plus the watch line', 30_000);
    await screenshot(page, SHOTS, 'python-removed');
  });
});
