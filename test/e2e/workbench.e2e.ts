/**
 * End-to-end tests in a real VS Code: code-server serves the workbench with the packed extension
 * installed and a copy of the example app open; Debian's Chromium, driven by playwright-core,
 * works it as a person would. Then the extension-host suites run inside the same server.
 * Needs: `bash test/harness/prereqs.sh` and a packed .vsix (`npm run package`); `npm test` does both.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/code-server';
import { ROOT, TEST_OUT } from '../harness/paths';
import { runExtensionHostTests } from './ext-host-runner';
import { openWorkbench, quickOpen, rightClickOn, screenshot, webviewFrame } from './ui/workbench';
import { copyExample } from './workspace';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const VSIX = process.env.CACHELENS_VSIX ?? path.join(ROOT, 'dist', `cachelens-${manifest.version}.vsix`);
const OUT = path.join(TEST_OUT, 'e2e');
const SHOTS = path.join(OUT, 'screenshots');

let server: CodeServer;
let browser: Browser;

/** Runs one UI flow on a fresh page; on failure saves a screenshot named after the flow. */
async function withPage(name: string, flow: (page: Page) => Promise<void>): Promise<void> {
  const page = await openWorkbench(browser, server.url);
  try {
    await flow(page);
  } catch (error) {
    await screenshot(page, SHOTS, `FAILED-${name}`);
    throw error;
  } finally {
    await page.close();
  }
}

describe('in a real VS Code (code-server + Chromium)', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(VSIX), `packed extension ${VSIX} is missing: run \`npm run package\` first`);
    fs.rmSync(OUT, { recursive: true, force: true });
    const workspace = copyExample(path.join(OUT, 'ws-ui'));
    server = await startCodeServer({ stateDir: path.join(OUT, 'cs'), folder: workspace, vsix: VSIX });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('right-click in an example file offers "Cache this function"; the CacheLens panel opens', async () => {
    await withPage('context-menu', async (page) => {
      await quickOpen(page, 'prices.ts', 'pricesByRegion');
      await rightClickOn(page, 'const rows = salesRows().filter');
      const item = page.getByRole('menuitem', { name: 'Cache this function' });
      await item.waitFor({ timeout: 15_000 });
      await screenshot(page, SHOTS, 'context-menu');
      await item.click();
      await page.getByRole('tab', { name: /CacheLens/ }).waitFor({ timeout: 30_000 });
      const title = await webviewFrame(page).locator('#title').textContent({ timeout: 30_000 });
      assert.equal(title, 'CacheLens');
      await screenshot(page, SHOTS, 'panel');
    });
  });

  test('extension-host suites', async (t) => {
    const workspace = copyExample(path.join(OUT, 'ws-ext-host'));
    const results = await runExtensionHostTests(browser, server.url, {
      extensionPath: ROOT,
      testsPath: path.join(ROOT, 'out', 'e2e', 'ext-host', 'index.js'),
      folder: workspace,
      screenshotDir: SHOTS,
    });
    assert.ok(results.tests.length > 0, `the extension host ran no test (exit code ${results.exitCode}):\n${results.log}`);
    for (const result of results.tests) {
      await t.test(result.title, () => {
        if (!result.passed) assert.fail(result.message);
      });
    }
    assert.equal(results.exitCode, 0, `extension-host run exited with ${results.exitCode}:\n${results.log}`);
  });
});
