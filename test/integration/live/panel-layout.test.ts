/**
 * The panel's real bundle (dist/webview) in Chromium at the widths it meets (issue 15, items 9,
 * 13, 14): beside the editor (420 px) and wide (1280 px). What a user sees (columns in view,
 * nothing cut off, the What if? card whole), the chart's first seconds and gaps, and the table
 * driven by the keyboard alone (the WAI-ARIA grid: one Tab stop, arrow keys inside). Screenshots go
 * to out/test/panel-layout/.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { FunctionRow, LiveSnapshot, ProcessRow } from '../../../protocol/panel.js';
import { launchChromium } from '../../harness/browser';
import { servePanelPage, type PanelPageServer } from './panel-page.js';

const SHOTS = path.resolve(__dirname, '../../../out/test/panel-layout');
const counters = (hits: number, misses: number) => ({
  hits, misses, errors: 0, evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0, computeMs: misses * 20, savedMs: hits * 20,
  staleServed: 0, backendErrors: 0, entries: misses, bytes: misses * 100,
});
const fn = (id: string, hits: number, misses: number, line: number): FunctionRow => ({
  id, backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', location: { file: 'dist/app.js', line }, ...counters(hits, misses),
});
const proc = (key: string, pid: number): ProcessRow => ({
  key, pid, app: 'shop', hostname: 'box', runtime: 'cachelens-js', runtimeVersion: '0.1.0', startedAt: 1, connected: true, functions: 3, totals: counters(10, 2),
});
const NOW = Date.UTC(2026, 11, 6, 14, 0, 0);
const snapshot = (at: number, scale = 1): LiveSnapshot => ({
  at, server: 'listening', processes: [proc('p1', 101)],
  functions: [
    fn('src/catalogue/prices.ts#pricesByRegion', 900 * scale, 100, 10),
    fn('src/users.ts#UserRepository.findByEmail', 50 * scale, 50, 20),
    fn('src/zones.ts#zones', 10 * scale, 300, 30),
  ],
  breakdown: [], workspaceFunctions: [],
});
const CURVE = {
  sizes: [10, 20, 50, 100, 200, 500, 1000], max: 100, sentence: 'Doubling max (100 → 200) would raise hits from 71% to 83%.',
  accesses: 5000, seen: 5000, sampleRate: 1,
  series: [
    { policy: 'default', label: 'default (adaptive)', hitRatios: [0.2, 0.35, 0.55, 0.71, 0.83, 0.9, 0.93] },
    { policy: 'lru', label: 'lru', hitRatios: [0.15, 0.3, 0.5, 0.66, 0.8, 0.88, 0.92] },
  ],
};

let server: PanelPageServer;
let browser: Browser;
before(async () => {
  server = await servePanelPage();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const send = (p: Page, message: unknown) => p.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
const posted = async (p: Page) => ((await p.evaluate<unknown[]>('window.__posted')) as { type: string }[]).filter((m) => m.type !== 'ready');

async function openPanel(width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(server.base);
  // Function predicates only: the page's CSP forbids the eval a string predicate needs.
  await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await send(page, { v: 1, type: 'update', state: snapshot(NOW) });
  await page.waitForSelector('#functions tbody tr[data-id="src/zones.ts#zones"]');
  return { page, errors };
}

/** The columns of the functions table a user sees (header cells with a box), by their key. */
const visibleColumns = (p: Page) =>
  p.$$eval('#functions thead th', (cells) => cells.filter((c) => (c as unknown as { getClientRects(): ArrayLike<unknown> }).getClientRects().length > 0 && (c as unknown as { offsetWidth: number }).offsetWidth > 0).map((c) => c.getAttribute('data-col')));
/** How far the page scrolls sideways (0: nothing is cut off). */
const sideways = (p: Page) => p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('the panel at the widths it meets', () => {
  test('beside the editor (420 px): function, hit ratio and time saved in view, nothing cut off; the rest of a row on demand', async () => {
    const { page, errors } = await openPanel(420);
    assert.deepEqual(await visibleColumns(page), ['id', 'ratio', 'savedMs', 'whatif', 'clear']);
    assert.equal(await sideways(page), 0, 'the page does not scroll sideways');
    // The row's other figures: selecting the row expands its detail.
    const id = 'src/users.ts#UserRepository.findByEmail';
    await page.click(`tr[data-id="${id}"] td[data-col="ratio"]`);
    const detail = page.locator(`tr.detail[data-detail-of="${id}"]`);
    await detail.waitFor({ state: 'visible', timeout: 5000 });
    const text = (await detail.textContent()) ?? '';
    for (const figure of ['Hits50', 'Misses50', 'Mean miss20 ms', 'Entries50', 'Memory4.9 KB', 'Errors0', 'Processes1', 'Backendmemory (memory)']) assert.ok(text.replace(/\s+/g, '').includes(figure.replace(/\s+/g, '')), `${figure} in ${text}`);
    assert.equal(await sideways(page), 0);
    // The What if? card fits too.
    await page.click(`tr[data-id="${id}"] button[data-action="whatif"]`);
    const question = (await posted(page)).find((m) => m.type === 'whatif') as unknown as { requestId: number };
    await send(page, { v: 1, type: 'whatif', id, requestId: question.requestId, view: { state: 'ready', text: 'From 5,000 recorded lookups.', curve: CURVE } });
    await page.waitForSelector('#whatif-chart canvas');
    const card = await page.$eval('#whatif', (e) => (e as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect());
    const chart = await page.$eval('#whatif-chart .uplot', (e) => (e as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect());
    assert.ok(card.left >= 0 && card.right <= 420, `the card is within the panel: ${JSON.stringify(card)}`);
    assert.ok(chart.left >= card.left && chart.right <= card.right, `the curve is within the card: ${JSON.stringify(chart)}`);
    assert.equal(await sideways(page), 0);
    await page.locator('#whatif').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'panel-420.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('wide (1280 px): every column, no row detail', async () => {
    const { page, errors } = await openPanel(1280);
    assert.deepEqual(await visibleColumns(page), ['id', 'ratio', 'savedMs', 'hits', 'misses', 'missMs', 'entries', 'bytes', 'errors', 'processes', 'whatif', 'clear']);
    assert.equal(await sideways(page), 0);
    await page.click('tr[data-id="src/zones.ts#zones"] td[data-col="hits"]');
    await page.waitForSelector('tr[data-id="src/zones.ts#zones"][aria-selected="true"]');
    assert.ok(await page.isHidden('tr.detail'), 'every figure is in its column already');
    await page.screenshot({ path: path.join(SHOTS, 'panel-1280.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('the chart', () => {
  const legendText = (p: Page) => p.$eval('#chart .u-legend', (e) => (e.textContent ?? '').replace(/\s+/g, ''));

  test('right after selecting a row: the current minute and an empty state, not 1970; then a line that breaks at a gap; no "Time: --"', async () => {
    const { page, errors } = await openPanel(1280);
    await page.click('tr[data-id="src/zones.ts#zones"] td[data-col="ratio"]');
    await page.waitForSelector('#chart-empty:not([hidden])');
    assert.match((await page.textContent('#chart-empty')) ?? '', /first point/);
    // The axis spans the minute up to the figures' time (NOW), never one from 1970.
    await page.waitForSelector(`#chart[data-x-max="${NOW / 1000}"]`, { state: 'attached', timeout: 5000 });
    assert.equal(Number(await page.getAttribute('#chart', 'data-x-min')), NOW / 1000 - 60);
    assert.equal(await legendText(page), 'hits/smisses/s', 'the legend holds the series\' labels only (no "Time: --")');

    for (const [i, at] of [1, 2, 3, 4, 30, 31, 32].entries()) await send(page, { v: 1, type: 'update', state: snapshot(NOW + at * 1000, i + 2) });
    await page.waitForSelector('#chart-empty[hidden]', { state: 'attached' });
    await page.waitForSelector(`#chart[data-x-max="${NOW / 1000 + 32}"]`, { state: 'attached', timeout: 5000 });
    assert.match((await page.getAttribute('#chart', 'aria-label')) ?? '', /now \d/);
    await page.screenshot({ path: path.join(SHOTS, 'chart-gap.png'), clip: (await page.locator('#chart').boundingBox())! });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('the functions table by keyboard (the WAI-ARIA grid pattern)', () => {
  /** Where focus is: the row's key (or "head") and the column of the focused cell, and what is focused. */
  const focus = (p: Page) => p.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: { closest(s: string): { dataset: Record<string, string>; parentElement: { getAttribute(n: string): string | null } } | null; tagName: string; className: string } } }).document.activeElement;
    const cell = el.closest('th, td');
    return cell ? `${cell.parentElement.getAttribute('data-id') ?? 'head'} ${cell.dataset.col} ${el.tagName.toLowerCase()}${el.className ? `.${el.className}` : ''}` : el.tagName.toLowerCase();
  });
  const PRICES = 'src/catalogue/prices.ts#pricesByRegion';
  const USERS = 'src/users.ts#UserRepository.findByEmail';
  const ZONES = 'src/zones.ts#zones';

  test('one Tab stop into the table, arrows between cells and rows, Enter and Space act; focus survives re-sorting', async () => {
    const { page, errors } = await openPanel(1280);
    assert.equal(await page.locator('#functions [tabindex="0"]').count(), 1, 'one Tab stop in the table');
    assert.equal(await page.locator('#functions button:not([tabindex="-1"]), #functions td:not([tabindex="-1"]), #functions th:not([tabindex="-1"])').count(), 1);
    await page.focus('#filter');
    await page.keyboard.press('Tab');
    assert.equal(await focus(page), `${PRICES} id button.link`, 'Tab goes to the first row\'s function (rows by hits: prices first)');
    await page.keyboard.press('Tab');
    assert.ok(!(await focus(page)).startsWith(PRICES) && !(await page.evaluate('document.getElementById("functions").contains(document.activeElement)')), 'the next Tab leaves the table');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focus(page), `${PRICES} id button.link`, 'Shift+Tab comes back to the same cell');

    await page.keyboard.press('ArrowRight');
    assert.equal(await focus(page), `${PRICES} ratio td.num`);
    await page.keyboard.press('ArrowDown');
    assert.equal(await focus(page), `${USERS} ratio td.num`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`tr[data-id="${USERS}"][aria-selected="true"]`);
    await page.keyboard.press(' ');
    await page.waitForSelector(`tr[data-id="${USERS}"][aria-selected="false"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`tr[data-id="${USERS}"][aria-selected="true"]`);

    // Up to the header: the column's sort button; Enter sorts, and focus stays on it.
    await page.keyboard.press('Control+Home');
    assert.equal(await focus(page), 'head id button');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focus(page), 'head ratio button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#functions th[data-col="ratio"][aria-sort="descending"]');
    assert.deepEqual(await page.$$eval('#functions tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id'))), [PRICES, USERS, ZONES]);
    await page.keyboard.press(' ');
    await page.waitForSelector('#functions th[data-col="ratio"][aria-sort="ascending"]');
    assert.equal(await focus(page), 'head ratio button');

    // Home/End, Ctrl+End, and an action's button pressed with Enter.
    await page.keyboard.press('End');
    assert.equal(await focus(page), 'head clear th.actions');
    await page.keyboard.press('Home');
    assert.equal(await focus(page), 'head id button');
    await page.keyboard.press('Control+End');
    assert.equal(await focus(page), `${PRICES} clear button.icon`, 'the last row (ascending by ratio: prices last), its last cell');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focus(page), `${PRICES} whatif button.icon`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focus(page), `${ZONES} processes td.num col-p3`);
    const sent = await posted(page);
    assert.deepEqual(sent.filter((m) => m.type === 'clear'), [{ v: 1, type: 'clear', id: PRICES }]);
    assert.deepEqual(sent.filter((m) => m.type === 'select').map((m) => (m as unknown as { id: string | null }).id), [USERS, null, USERS]);

    // New figures re-sort the rows, moving the focused row (prices, last) to the top: focus stays
    // on the same row's cell, and the Tab stop with it.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focus(page), `${PRICES} processes td.num col-p3`);
    await send(page, { v: 1, type: 'update', state: { ...snapshot(NOW + 1000), functions: [fn(ZONES, 10, 300, 30), fn(PRICES, 1, 100, 10), fn(USERS, 50, 50, 20)] } });
    await page.waitForSelector(`#functions tbody tr:first-child[data-id="${PRICES}"]`, { state: 'attached', timeout: 5000 });
    assert.equal(await focus(page), `${PRICES} processes td.num col-p3`);
    assert.equal(await page.getAttribute(`tr[data-id="${PRICES}"] td[data-col="processes"]`, 'tabindex'), '0');
    assert.equal(await page.locator('#functions [tabindex="0"]').count(), 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('at 420 px the arrows skip the hidden columns', async () => {
    const { page, errors } = await openPanel(420);
    await page.focus('#filter');
    await page.keyboard.press('Tab');
    const path: string[] = [await focus(page)];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('ArrowRight');
      path.push(await focus(page));
    }
    assert.deepEqual(path, [
      `${PRICES} id button.link`, `${PRICES} ratio td.num`, `${PRICES} savedMs td.num`, `${PRICES} whatif button.icon`, `${PRICES} clear button.icon`, `${PRICES} clear button.icon`,
    ]);
    // Enter on a figure opens the row's detail; the arrows go past it to the next row.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`tr.detail[data-detail-of="${PRICES}"]`);
    await page.keyboard.press('ArrowDown');
    assert.equal(await focus(page), `${USERS} savedMs td.num`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
