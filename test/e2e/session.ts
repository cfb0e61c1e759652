import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { startCodeServer, type CodeServer } from '../harness/code-server';
import { ROOT, TEST_OUT } from '../harness/paths';
import { openWorkbench, screenshot } from './ui/workbench';
import { copyExample, linkRuntime } from './workspace';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
/** The packed extension the e2e tests install (`npm run package`). */
export const VSIX = process.env.CACHELENS_VSIX ?? path.join(ROOT, 'dist', `cachelens-${manifest.version}.vsix`);
/** Where the e2e tests save screenshots. */
export const SHOTS = path.join(TEST_OUT, 'e2e', 'screenshots');

/** The page of a `liveWorkbench` and its workspace folder, valid once its `before` hook has run. */
export interface LiveWorkbench {
  readonly page: Page;
  readonly workspace: string;
}

/** Which example a `liveWorkbench` opens, and how its copy is made runnable. */
export interface LiveWorkbenchOptions {
  /** The folder under examples/ (default `dashboard`). */
  readonly example?: string;
  /** Runs on the fresh copy before VS Code opens it (default: `linkRuntime`, the built runtime linked in). */
  readonly prepare?: (workspace: string) => void;
}

/**
 * A real VS Code for the tests of one `describe` that run an example app: a fresh copy of the
 * example made runnable (by default the built runtime linked in, so its terminal can run it), code-server with the
 * packed extension in a dark theme, and Chromium on the workbench. Registers the `before`,
 * `afterEach` (a screenshot of each failed test, named after `name` and the test) and `after`
 * hooks in the calling `describe`.
 */
export function liveWorkbench(name: string, viewport: { width: number; height: number }, options: LiveWorkbenchOptions = {}): LiveWorkbench {
  const out = path.join(TEST_OUT, `e2e-${name}`);
  const workspace = path.join(out, 'ws');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  before(async () => {
    assert.ok(fs.existsSync(VSIX), `packed extension ${VSIX} is missing: run \`npm run package\` first`);
    assert.ok(fs.existsSync(path.join(ROOT, 'runtime', 'dist', 'cjs', 'index.js')), 'the runtime is built (npm run build)');
    fs.rmSync(out, { recursive: true, force: true });
    copyExample(workspace, options.example);
    (options.prepare ?? linkRuntime)(workspace);
    server = await startCodeServer({
      stateDir: path.join(out, 'cs'),
      folder: workspace,
      vsix: VSIX,
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, server.url, viewport);
  });
  afterEach(async (context) => {
    // node:test passes the finished test's context; screenshot the failures.
    const failed = (context as { passed?: boolean }).passed === false;
    if (failed && page) await screenshot(page, SHOTS, `FAILED-${name}-${(context as { name: string }).name.slice(0, 40).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    get page(): Page {
      assert.ok(page, 'the workbench is open (its before hook has run)');
      return page;
    },
    workspace,
  };
}
