/**
 * The panel's real bundle (dist/webview) in a real browser, under the same Content Security Policy
 * the extension sets, with `acquireVsCodeApi` provided by the page as VS Code does (panel-page.ts).
 * Checks what the panel shows for the host's messages, what it sends back, that its state survives
 * a reload, and that nothing breaks the CSP.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { FunctionRow, LiveSnapshot, ProcessFunctionRow, ProcessRow } from '../../../protocol/panel.js';
import { launchChromium } from '../../harness/browser';
import { servePanelPage, type PanelPageServer } from './panel-page.js';

const counters = (hits: number, misses: number) => ({
  hits, misses, errors: 0, evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0, computeMs: misses * 20, savedMs: hits * 20,
  staleServed: 0, backendErrors: 0, entries: misses, bytes: misses * 100,
});
const fn = (id: string, hits: number, misses: number, line: number): FunctionRow => ({
  id, backend: 'memory', backendType: 'memory', processes: 2, health: 'ok', location: { file: 'src/app.ts', line }, ...counters(hits, misses),
});
const proc = (key: string, pid: number, connected: boolean): ProcessRow => ({
  key, pid, app: 'shop', hostname: 'box', runtime: 'cachelens-js', runtimeVersion: '0.1.0', startedAt: 1, connected, functions: 3, totals: counters(10, 2),
});
const breakdown = (key: string, pid: number, hits: number): ProcessFunctionRow => ({ key, pid, app: 'shop', runtime: pid % 2 === 0 ? 'cachelens-py' : 'cachelens-js', connected: true, health: 'ok', ...counters(hits, 1) });
const snapshot = (at: number, over: Partial<LiveSnapshot> = {}): LiveSnapshot => ({
  at, server: 'listening',
  processes: [proc('p1', 101, true), proc('p2', 102, false)],
  functions: [fn('src/app.ts#prices', 900, 100, 10), fn('src/app.ts#users', 50, 50, 20), fn('src/app.ts#zones', 10, 300, 30)],
  breakdown: [], workspaceFunctions: [], ...over,
});

let pageServer: PanelPageServer;
let base: string;
let browser: Browser;
let saved: unknown = null;
before(async () => {
  pageServer = await servePanelPage(() => saved);
  base = pageServer.base;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  pageServer?.close();
});

/** What the test page defines (the test project has no DOM types). */
interface PageGlobals {
  __posted: { type: string }[];
  document: { querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }> };
}
const posted = (p: Page) => p.evaluate<unknown[]>('window.__posted');
const send = (p: Page, message: unknown) => p.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
const rowIds = (p: Page) => p.$$eval('#functions tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id')));
/** The panel renders on the next animation frame: wait for the rows to read `ids`, then check. */
async function expectRows(p: Page, ids: string[], message?: string): Promise<void> {
  await p
    .waitForFunction(
      (want) => JSON.stringify(Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#functions tbody tr[data-id]')).map((r) => r.getAttribute('data-id'))) === want,
      JSON.stringify(ids),
      { timeout: 5000 },
    )
    .catch(() => undefined);
  assert.deepEqual(await rowIds(p), ids, message);
}

describe('the panel in a browser', () => {
  test('shows live rows, sorts, filters, selects, sends actions, keeps its state over a reload, within the CSP', async () => {
    const p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await p.goto(base);
    await p.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));
    assert.equal(await p.textContent('#title'), 'CacheLens');

    await send(p, { v: 1, type: 'update', state: snapshot(1000) });
    await p.waitForSelector('#functions tbody tr[data-id="src/app.ts#prices"]');
    await expectRows(p, ['src/app.ts#prices', 'src/app.ts#users', 'src/app.ts#zones'], 'by hits, largest first');
    assert.equal(await p.getAttribute('tr[data-id="src/app.ts#prices"] td[data-col="hits"]', 'data-value'), '900');
    assert.equal(await p.textContent('tr[data-id="src/app.ts#prices"] td[data-col="ratio"]'), '90%');
    assert.match((await p.textContent('#status')) ?? '', /^1 process connected, 1 gone · 3 cached functions$/);
    assert.equal(await p.getAttribute('#status', 'data-processes'), '1');
    assert.ok(await p.isVisible('#live'));
    assert.ok(await p.isHidden('#empty'));

    await p.click('#functions th[data-col="misses"] button');
    await expectRows(p, ['src/app.ts#zones', 'src/app.ts#prices', 'src/app.ts#users']);
    await p.waitForSelector('#functions th[data-col="misses"][aria-sort="descending"]');

    await p.fill('#filter', 'USERS');
    await p.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('#functions tbody tr[data-id]').length === 1);
    await p.fill('#filter', '');
    await p.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('#functions tbody tr[data-id]').length === 3);

    // Keyboard: Enter on a focused row's figures selects it (the grid pattern: panel-layout.test.ts).
    await p.focus('tr[data-id="src/app.ts#users"] td[data-col="ratio"]');
    await p.keyboard.press('Enter');
    await p.waitForSelector('tr[data-id="src/app.ts#users"][aria-selected="true"]');
    assert.match((await p.textContent('#chart-title')) ?? '', /src\/app\.ts#users/);
    await send(p, { v: 1, type: 'update', state: snapshot(1250, { breakdown: [breakdown('p1', 101, 30), breakdown('p2', 102, 20)] }) });
    await p.waitForSelector('#breakdown tbody tr[data-process="p2"]');
    assert.ok(await p.$('#chart canvas'), 'the chart is drawn');

    await p.click('tr[data-id="src/app.ts#prices"] button[data-action="open"]');
    await p.click('tr[data-id="src/app.ts#zones"] button[data-action="clear"]');
    await p.click('#processes tr[data-process="p1"] button[data-action="clear-process"]');
    assert.ok(await p.isDisabled('#processes tr[data-process="p2"] button[data-action="clear-process"]'), 'a gone process cannot be cleared');
    const sent = (await posted(p)) as { type: string }[];
    assert.deepEqual(sent.filter((m) => m.type !== 'ready'), [
      { v: 1, type: 'select', id: 'src/app.ts#users' },
      { v: 1, type: 'open', file: 'src/app.ts', line: 10, id: 'src/app.ts#prices' },
      { v: 1, type: 'clear', id: 'src/app.ts#zones' },
      { v: 1, type: 'clear', process: 'p1' },
    ]);

    // A message that is not the host's is ignored.
    await send(p, { v: 1, type: 'update', state: { nonsense: true } });
    await send(p, { type: 'notice', text: 'no version' });
    assert.equal((await rowIds(p)).length, 3);
    await send(p, { v: 1, type: 'notice', level: 'info', text: 'Cleared the cache of src/app.ts#zones in 1 process.' });
    await p.waitForSelector('#notice:not([hidden])');

    await p.fill('#filter', 'prices');
    saved = await p.evaluate<unknown>('window.__state');
    assert.ok(saved);
    await p.reload();
    await p.waitForSelector('#functions tbody tr[data-id="src/app.ts#prices"]');
    assert.equal(await p.inputValue('#filter'), 'prices', 'the filter survives a reload');
    await expectRows(p, ['src/app.ts#prices'], 'the last figures show before the host speaks');
    await p.screenshot({ path: path.resolve(__dirname, '../../../out/panel-preview.png'), fullPage: true });

    const violations = await p.evaluate<string[]>('window.__violations');
    assert.deepEqual(violations, [], 'nothing violates the Content Security Policy');
    assert.deepEqual(errors, []);
    await p.close();
  });

  test('the empty state teaches how to start a process and lists the workspace\'s cached functions', async () => {
    saved = null;
    const p = await browser.newPage();
    await p.goto(base);
    await send(p, { v: 1, type: 'update', state: snapshot(1, { processes: [], functions: [], server: 'stopped', workspaceFunctions: [{ id: 'src/a.ts#f', file: 'src/a.ts', line: 3 }] }) });
    await p.waitForSelector('#empty:not([hidden])');
    assert.ok(await p.isHidden('#live'));
    // True whether or not the server runs (issue 15, item 7): no claim that every terminal has the endpoint.
    const empty = (await p.textContent('#empty')) ?? '';
    assert.match(empty, /Terminals opened while the CacheLens server runs carry CACHELENS_ENDPOINT/);
    assert.match(empty, /relaunch/);
    assert.doesNotMatch(empty, /already carries/);
    assert.ok(await p.isVisible('#server-stopped'));
    await p.click('#workspace-functions button[data-action="open"]');
    await p.click('button[data-action="start-server"]');
    const sent = (await posted(p)) as { type: string }[];
    assert.deepEqual(sent.filter((m) => m.type !== 'ready'), [{ v: 1, type: 'open', file: 'src/a.ts', line: 3 }, { v: 1, type: 'start-server' }]);
    await p.close();
  });

  test('what if?: each question has its request id, and only the answer to the latest question is shown', async () => {
    saved = null;
    const p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await p.goto(base);
    await p.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));
    await send(p, { v: 1, type: 'update', state: snapshot(1000) });
    const button = 'tr[data-id="src/app.ts#prices"] button[data-action="whatif"]';
    await p.click(button);
    await p.click(button);
    const questions = ((await posted(p)) as { type: string; id?: string; requestId?: number }[]).filter((m) => m.type === 'whatif');
    assert.equal(questions.length, 2);
    const [first, second] = questions as unknown as [{ id: string; requestId: number }, { id: string; requestId: number }];
    assert.equal(first.id, 'src/app.ts#prices');
    assert.ok(Number.isSafeInteger(first.requestId) && second.requestId > first.requestId, JSON.stringify(questions));

    const answer = (requestId: number, view: unknown) => send(p, { v: 1, type: 'whatif', id: 'src/app.ts#prices', requestId, view });
    await answer(second.requestId, { state: 'off', text: 'second answer' });
    await p.waitForSelector('#whatif[data-state="off"]');
    // The answer to the first question arrives last: stale, not shown.
    await answer(first.requestId, { state: 'error', text: 'first answer, late' });
    await send(p, { v: 1, type: 'notice', level: 'info', text: 'after the late answer' });
    await p.waitForSelector('#notice:not([hidden])');
    assert.equal(await p.getAttribute('#whatif', 'data-state'), 'off');
    assert.equal(await p.textContent('#whatif-text'), 'second answer');
    await p.close();
  });

  test('what if?: the TTL what-if under the curve, its sentence and one row per longer TTL; one line without times', async () => {
    saved = null;
    const p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await p.goto(base);
    await p.waitForFunction(() => (globalThis as unknown as PageGlobals).__posted.some((m) => m.type === 'ready'));
    await send(p, { v: 1, type: 'update', state: snapshot(1000) });
    const ask = async (): Promise<number> => {
      await p.click('tr[data-id="src/app.ts#prices"] button[data-action="whatif"]');
      const questions = ((await posted(p)) as { type: string; requestId?: number }[]).filter((m) => m.type === 'whatif');
      return questions[questions.length - 1]!.requestId!;
    };
    const curve = {
      sizes: [1, 10, 100], series: [{ policy: 'default', label: 'default (adaptive)', hitRatios: [0, 0.5, 0.9] }], max: 10, sentence: 'Doubling max', accesses: 8, seen: 8, sampleRate: 1,
      ttl: {
        ttlMs: 30_000, accesses: 8, medianReuseMs: 52_500,
        rows: [{ ttlMs: 60_000, gained: 3, lost: 1 }, { ttlMs: 120_000, gained: 3, lost: 0 }, { ttlMs: 240_000, gained: 1204, lost: 0 }, { ttlMs: 480_000, gained: 1204, lost: 0 }],
        sentence: 'With a TTL of 4 min instead of 30 s: +1,204 hits (-0 lost), from this recording of 8 calls; median reuse 52.5 s.',
      },
    };
    let requestId = await ask();
    await send(p, { v: 1, type: 'whatif', id: 'src/app.ts#prices', requestId, view: { state: 'ready', text: 'replayed', curve } });
    await p.waitForSelector('#whatif[data-state="ready"]');
    assert.equal(await p.textContent('#whatif-ttl'), curve.ttl.sentence);
    const rows = await p.$$eval('#whatif-ttl-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, [['1 min', '+3', '-1'], ['2 min', '+3', '-0'], ['4 min', '+1,204', '-0'], ['8 min', '+1,204', '-0']]);
    assert.equal(await p.isVisible('#whatif-ttl-table'), true);

    requestId = await ask();
    const none = { ...curve.ttl, rows: [], medianReuseMs: null, sentence: 'No TTL what-if: this recording has no times.' };
    await send(p, { v: 1, type: 'whatif', id: 'src/app.ts#prices', requestId, view: { state: 'ready', text: 'replayed again', curve: { ...curve, ttl: none } } });
    await p.waitForSelector('#whatif-text:has-text("replayed again")');
    assert.equal(await p.textContent('#whatif-ttl'), none.sentence);
    assert.equal(await p.isVisible('#whatif-ttl-table'), false);
    await p.close();
  });
});
