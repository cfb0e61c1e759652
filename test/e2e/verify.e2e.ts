/**
 * "Is it still right?", end to end in a real VS Code: a script in the workspace memoizes an impure
 * function (it reads a counter) and a pure one with `verify: 1`, runs in the integrated terminal
 * (which gets CACHELENS_ENDPOINT from the extension), and the panel's verify section says that the
 * impure function's checked hits differed, with the first diff (values redacted), and that the
 * pure one's matched. Screenshot: out/test/e2e/screenshots/verify-panel.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { liveWorkbench, SHOTS } from './session';
import { quickOpen, runCommand, runInNewTerminal, screenshot, until, webviewFrame } from './ui/workbench';
import { linkRuntime } from './workspace';

const IMPURE = 'verify-demo#stockLevel';
const PURE = 'verify-demo#priceWithTax';

/** The demo: two memoized functions called in a loop for `DURATION_S` seconds. */
const DEMO = `import { memoize } from 'cachelens';

let sold = 0; // changes under the cache: stockLevel depends on it, not only on its argument
const stockLevel = memoize((sku) => ({ sku, inStock: 100 - sold, warehouse: 'north' }), { id: '${IMPURE}', verify: 1 });
const priceWithTax = memoize((cents) => ({ cents, withTax: Math.round(cents * 1.2) }), { id: '${PURE}', verify: 1 });

const end = Date.now() + Number(process.env.DURATION_S ?? 60) * 1000;
const timer = setInterval(() => {
  sold++;
  for (const sku of ['a', 'b', 'c']) stockLevel(sku);
  for (const cents of [100, 250]) priceWithTax(cents);
  if (Date.now() > end) clearInterval(timer);
}, 50);
`;

let page: Page;

describe('verify in a real VS Code', { timeout: 600_000 }, () => {
  const session = liveWorkbench('verify', { width: 1500, height: 950 }, {
    prepare: (workspace) => {
      linkRuntime(workspace);
      fs.writeFileSync(path.join(workspace, 'verify-demo.mjs'), DEMO);
    },
  });
  before(() => { page = session.page; });

  test('verify flags an impure function in the panel, with its first diff redacted, and not the pure one', async () => {
    await quickOpen(page, 'verify-demo.mjs', 'const stockLevel'); // a JavaScript file activates the extension
    const status = page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first();
    await status.waitFor({ timeout: 60_000 });
    await runInNewTerminal(page, 'DURATION_S=90 node verify-demo.mjs');
    await until(async () => Number(/(\d+) process/.exec((await status.textContent()) ?? '')?.[1]), (n) => n >= 1, 'the status bar to count the process', 90_000);
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    const impure = frame.locator(`#verify-list li[data-id="${IMPURE}"]`);
    await impure.waitFor({ timeout: 60_000 });
    await until(async () => (await impure.locator('.verify-sentence').textContent()) ?? '',
      (t) => /^\d+ of \d+ checked hits? differed: this function depends on something besides its arguments/.test(t), 'the impure function to be flagged', 60_000);
    await until(async () => impure.locator('table.verify-diff tbody tr').allTextContents(),
      (rows) => rows.some((r) => r.includes('value.inStock') && r.includes('number')), 'the diff to name value.inStock, redacted');
    await until(async () => (await impure.textContent()) ?? '', (t) => t.includes('Values are hidden'), 'the redaction hint');
    const pure = frame.locator(`#verify-list li[data-id="${PURE}"] .verify-sentence`);
    await until(async () => (await pure.textContent()) ?? '', (t) => /^All \d+ checked hits matched a fresh run\.$/.test(t), 'the pure function to match');
    await runCommand(page, 'View: Hide Panel');
    await frame.locator('#verify').scrollIntoViewIfNeeded();
    await screenshot(page, SHOTS, 'verify-panel');
  });
});
