/**
 * CacheLens on an app it did not write, end to end in a real VS Code: examples/orders-api is an
 * Express service in CommonJS TypeScript with path aliases (`@app/*`), run with tsx, installed with
 * `npm ci` from its own lockfile. Through the workbench's UI: cache a repository method and save,
 * run the app from the integrated terminal, see its rows in the panel and follow a row's link to
 * the .ts source; cache an `exports.x = function` helper and run the app before saving (it runs),
 * then after saving (its rows appear); install a fresh copy of the app elsewhere with `npm ci`; pick
 * Redis (a real redis-server) and see the driver added and the entries in Redis.
 * Screenshots: out/test/e2e/screenshots/orders-api-*.png.
 * Needs: the prerequisites (code-server), a built runtime and a packed .vsix (`npm run build`,
 * `node scripts/package.mjs --no-build`), and npm's registry for the app's own dependencies.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { freePort } from '../harness/code-server';
import { TEST_OUT } from '../harness/paths';
import { startRedis, type RedisServer } from '../harness/servers';
import { liveWorkbench, SHOTS } from './session';
import { contextMenuToQuickPick, focusTerminal, hideBottomPanel as hidePanel, pickQuickItem, quickOpen, runCommand, runInTerminal, saveAll, screenshot, until, waitFor, webviewFrame } from './ui/workbench';

const REPO = 'src/repositories/order-repository.ts';
const FIND = `${REPO}#OrderRepository.findById`;
const LIST = `${REPO}#OrderRepository.listByCustomer`;
const MONEY = 'src/lib/money.ts';
const FORMAT = `${MONEY}#formatMoney`;
const TARBALL_SPEC = 'file:vendor/cachelens-0.1.0.tgz';

/** `npm ci` in `dir` (the app's own lockfile), bounded; fails the test with npm's output. */
function npmCi(dir: string): void {
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  assert.equal(result.status, 0, `npm ci in ${dir} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}

const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

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

/** A few requests of the kind the service gets: two orders, each twice, and a customer's orders. */
async function traffic(base: string): Promise<void> {
  for (const url of ['/orders/o-1001', '/orders/o-1001', '/orders/o-1002?currency=USD', '/orders/o-1002?currency=USD', '/customers/c-1/orders', '/customers/c-1/orders']) {
    assert.equal(await status(`${base}${url}`), 200, `GET ${url}`);
  }
}

describe('a typical Express service (examples/orders-api) in a real VS Code', { timeout: 1_200_000 }, () => {
  const session = liveWorkbench('orders-api', { width: 1600, height: 950 }, { example: 'orders-api', prepare: npmCi });
  let page: Page;
  let workspace: string;
  let redis: RedisServer | undefined;
  let port = 0;
  const base = () => `http://127.0.0.1:${port}`;

  before(async () => {
    page = session.page;
    workspace = session.workspace;
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  /** Types `command` into the active integrated terminal (which has CACHELENS_ENDPOINT) and waits until the app answers. */
  async function runApp(env: string): Promise<void> {
    port = await freePort();
    await runInTerminal(page, `${env} PORT=${port} npm start`);
    await until(() => status(`${base()}/health`), (s) => s === 200, 'the app started in the terminal to answer', 90_000);
  }

  /** Ctrl+C in the terminal, as a person stops the app; waits until the port is closed. */
  async function stopApp(): Promise<void> {
    await focusTerminal(page);
    await page.keyboard.press('Control+C');
    await until(() => status(`${base()}/health`), (s) => s === 0, 'the app to stop after Ctrl+C', 30_000);
  }

  /** Accepts the extension's offer to install what the app now needs (from the toast, or the notification centre). */
  async function acceptInstallOffer(what: string, shot: string): Promise<void> {
    const offer = page.locator('.notification-list-item', { hasText: `this app needs ${what}` }).first();
    if (!(await offer.waitFor({ timeout: 10_000 }).then(() => true, () => false))) {
      await runCommand(page, 'Notifications: Show Notifications');
      await offer.waitFor({ timeout: 20_000 });
    }
    await screenshot(page, SHOTS, shot);
    await offer.getByRole('button', { name: 'Save package.json and run npm install' }).click();
  }

  async function cell(frame: FrameLocator, id: string, column: string): Promise<number> {
    return Number(await frame.locator(`tr[data-id="${id}"] td[data-col="${column}"]`).getAttribute('data-value', { timeout: 5_000 }));
  }

  const hideBottomPanel = () => hidePanel(page);

  /** Caches the function around `lineText` of the open file through the context menu and the quick pick. */
  async function cacheThroughMenu(lineText: string, backend: string, shows: string): Promise<void> {
    await hideBottomPanel();
    await contextMenuToQuickPick(page, lineText, 'Cache this function', 'memory');
    await pickQuickItem(page, backend);
    await pickQuickItem(page, '5m');
    await pickQuickItem(page, '1000');
    await page.waitForSelector(`.monaco-editor .view-lines:has-text("${shows}")`, { timeout: 60_000 });
  }

  test('cache OrderRepository.findById through the context menu (memory, 5m) and save: the runtime is vendored into the app and installed', async () => {
    await quickOpen(page, 'order-repository.ts', 'findById');
    await cacheThroughMenu('return ORDERS.find', 'memory', 'OrderRepository.findById');
    await acceptInstallOffer('cachelens', 'orders-api-install-offer');
    await waitFor(() => fs.existsSync(path.join(workspace, 'node_modules', 'cachelens', 'package.json')), 'npm install to install the runtime', 120_000);
    await waitFor(() => fs.readFileSync(path.join(workspace, 'package-lock.json'), 'utf8').includes('vendor/cachelens-0.1.0.tgz'), 'the lockfile to record the vendored runtime', 60_000);
    await saveAll(page);
    const source = fs.readFileSync(path.join(workspace, REPO), 'utf8');
    assert.match(source, /@memoize\(\{ id: 'src\/repositories\/order-repository\.ts#OrderRepository\.findById', backend: 'memory', ttl: '5m'[^\n]*\)\n\s+async findById/);
    assert.equal((readJson(path.join(workspace, 'package.json')).dependencies as Record<string, string>).cachelens, TARBALL_SPEC);
    assert.ok(fs.existsSync(path.join(workspace, 'vendor', 'cachelens-0.1.0.tgz')), 'the runtime tarball is inside the app');
    readJson(path.join(workspace, 'cachelens.config.json'));
    await screenshot(page, SHOTS, 'orders-api-cached-method');
  });

  test('the app, run from the integrated terminal, reports findById to the panel; the row links to the .ts source', async () => {
    await page.locator('.statusbar-item', { hasText: /CacheLens: \d+ process/ }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper.active .xterm').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_500); // the shell prints its prompt
    await runApp('DB_LATENCY_MS=40');
    await traffic(base());

    await quickOpen(page, 'app.ts', 'createApp'); // another file in front, so the link's effect shows
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await frame.locator(`tr[data-id="${FIND}"]`).waitFor({ timeout: 60_000 });
    await until(() => cell(frame, FIND, 'hits'), (n) => n >= 2, 'hits of findById (o-1001 and o-1002, each asked twice)');
    assert.equal(await cell(frame, FIND, 'misses'), 2, 'one miss per order id');
    await hideBottomPanel();
    await frame.locator(`tr[data-id="${FIND}"]`).click();
    await page.waitForTimeout(2_000); // the selected row's chart
    await screenshot(page, SHOTS, 'orders-api-panel');

    const link = frame.locator(`tr[data-id="${FIND}"] button.link`);
    // Issue 15, item 8: the location the row links to is the TypeScript source, not compiled output.
    assert.match((await link.getAttribute('title')) ?? '', /^Open the source of src\/repositories\/order-repository\.ts#OrderRepository\.findById \(reported at src\/repositories\/order-repository\.ts:\d+\)$/);
    await link.click();
    const activeTab = page.locator('.editor-group-container.active .tab.active');
    await until(async () => (await activeTab.textContent()) ?? '', (t) => t.includes('order-repository.ts'), 'the link to open order-repository.ts', 30_000);
    assert.doesNotMatch((await activeTab.textContent()) ?? '', /\.js\b/);
    await screenshot(page, SHOTS, 'orders-api-link-opened');
    await stopApp();
  });

  test('cache the exports.formatMoney = function helper and, without saving, run the app: it runs (config and package.json on disk are valid)', async () => {
    const onDisk = fs.readFileSync(path.join(workspace, MONEY), 'utf8');
    await quickOpen(page, 'money.ts', 'formatMoney');
    await cacheThroughMenu('const format = new Intl', 'memory', 'exports.formatMoney = memoize(function formatMoney');
    assert.ok((await page.locator('.tabs-container .tab.dirty').count()) >= 1, 'money.ts is edited, not saved');
    assert.equal(fs.readFileSync(path.join(workspace, MONEY), 'utf8'), onDisk, 'money.ts on disk is unchanged until saved');
    readJson(path.join(workspace, 'cachelens.config.json'));
    assert.equal((readJson(path.join(workspace, 'package.json')).dependencies as Record<string, string>).cachelens, TARBALL_SPEC);
    await screenshot(page, SHOTS, 'orders-api-helper-unsaved');

    await runApp('');
    await traffic(base());
    await stopApp();
  });

  test('save and run again: the helper reports its rows', async () => {
    await saveAll(page);
    assert.match(fs.readFileSync(path.join(workspace, MONEY), 'utf8'), /exports\.formatMoney = memoize\(function formatMoney\(/);
    await runApp('');
    await traffic(base());
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await frame.locator(`tr[data-id="${FORMAT}"]`).waitFor({ timeout: 60_000 });
    await until(() => cell(frame, FORMAT, 'hits'), (n) => n > 0, 'hits of formatMoney');
    assert.match((await frame.locator(`tr[data-id="${FORMAT}"] button.link`).getAttribute('title')) ?? '', /^Open the source of src\/lib\/money\.ts#formatMoney \(reported at src\/lib\/money\.ts:\d+\)$/);
    await hideBottomPanel();
    await frame.locator(`tr[data-id="${FORMAT}"]`).click();
    await page.waitForTimeout(2_000);
    await screenshot(page, SHOTS, 'orders-api-helper-rows');
    await stopApp();
  });

  test('a fresh copy of the app in another folder installs with npm ci from what the edits wrote, and runs', async () => {
    const fresh = path.join(TEST_OUT, 'e2e-orders-api', 'fresh-copy');
    fs.rmSync(fresh, { recursive: true, force: true });
    fs.cpSync(workspace, fresh, { recursive: true, filter: (file) => !path.relative(workspace, file).split(path.sep).includes('node_modules') });
    const specs = Object.values(readJson(path.join(fresh, 'package.json')).dependencies as Record<string, string>);
    for (const spec of specs.filter((s) => s.startsWith('file:'))) {
      assert.ok(!path.relative(fresh, path.resolve(fresh, spec.slice('file:'.length))).startsWith('..'), `${spec} points inside the app`);
    }
    npmCi(fresh);
    assert.ok(!fs.lstatSync(path.join(fresh, 'node_modules', 'cachelens')).isSymbolicLink(), 'the runtime is installed from the tarball, not linked');
    const appPort = await freePort();
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [path.join(fresh, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/server.ts'], {
        cwd: fresh,
        env: { ...process.env, PORT: String(appPort) },
        stdio: 'ignore',
        detached: true, // its own process group: tsx runs the app in a child process
      });
      await until(() => status(`http://127.0.0.1:${appPort}/health`), (s) => s === 200, 'the fresh copy to answer', 60_000);
      await traffic(`http://127.0.0.1:${appPort}`);
    } finally {
      if (child?.pid !== undefined && child.exitCode === null) {
        const gone = new Promise((resolve) => child!.once('exit', resolve));
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
    }
  });

  test('pick Redis for listByCustomer with a real redis-server: ioredis is added and installed, and the app caches in Redis', async () => {
    assert.ok(redis, 'redis-server is running');
    await quickOpen(page, 'order-repository.ts', 'listByCustomer');
    await cacheThroughMenu('return ORDERS.filter', 'redis', 'OrderRepository.listByCustomer');
    await acceptInstallOffer('ioredis', 'orders-api-install-ioredis');
    await waitFor(() => fs.existsSync(path.join(workspace, 'node_modules', 'ioredis', 'package.json')), 'npm install to install ioredis', 180_000);
    await waitFor(() => fs.readFileSync(path.join(workspace, 'package-lock.json'), 'utf8').includes('"node_modules/ioredis"'), 'the lockfile to record ioredis', 60_000);
    await saveAll(page);
    assert.ok((readJson(path.join(workspace, 'package.json')).dependencies as Record<string, string>).ioredis, 'ioredis is a dependency of the app');
    const backends = readJson(path.join(workspace, 'cachelens.config.json')).backends as Record<string, { type: string }>;
    assert.equal(backends.redis?.type, 'redis');

    await runApp(`REDIS_URL=${redis.url}/0`);
    await traffic(base());
    const keys = await until(async () => {
      const scan = spawnSync('/usr/bin/redis-cli', ['-p', String(redis!.port), '--scan'], { encoding: 'utf8', timeout: 10_000 });
      return scan.stdout.split('\n').filter((k) => k.includes('OrderRepository.listByCustomer'));
    }, (list) => list.length > 0, 'entries of listByCustomer in Redis');
    assert.ok(keys.every((k) => k.includes(LIST)), `keys name the function: ${keys.join(', ')}`);
    await runCommand(page, 'CacheLens: Show cache panel');
    const frame = webviewFrame(page);
    await frame.locator(`tr[data-id="${LIST}"]`).waitFor({ timeout: 60_000 });
    // Each poll asks again, so a hit does not depend on when the first answer's write reached Redis.
    await until(async () => {
      await status(`${base()}/customers/c-2/orders`);
      return cell(frame, LIST, 'hits');
    }, (n) => n > 0, 'hits of listByCustomer served from Redis');
    await hideBottomPanel();
    await frame.locator(`tr[data-id="${LIST}"]`).click();
    await page.waitForTimeout(2_000);
    await screenshot(page, SHOTS, 'orders-api-redis');
    await stopApp();
  });
});
