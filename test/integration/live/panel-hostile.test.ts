/**
 * One process's numbers never hide another's (issue 13, item 6), end to end with real parts: a
 * hostile process and an honest one report over real sockets to the real server; the snapshot the
 * extension builds from the server's aggregator goes to the real panel bundle in Chromium, which
 * must show the honest process's rows with their exact figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { PanelRows } from '../../../extension/src/server/panel-rows.js';
import { LiveServer } from '../../../extension/src/server/server.js';
import { launchChromium } from '../../harness/browser';
import { servePanelPage, type PanelPageServer } from './panel-page.js';
import { functionStats, hello, WireClient } from './wire-client.js';

let pageServer: PanelPageServer;
let browser: Browser;
before(async () => {
  pageServer = await servePanelPage(() => null);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  pageServer?.close();
});

const HUGE = 1e308; // a valid count by the protocol (finite, >= 0); two of them add up to Infinity

describe('a hostile process next to an honest one, real server and real panel', () => {
  test('the honest process\'s rows are shown with exact figures; the hostile rows saturate instead of blinding the panel', async () => {
    const server = new LiveServer();
    await server.start();
    const p = await browser.newPage();
    try {
      const hostile = await WireClient.open(server);
      await hostile.send(hello('hostile', 66));
      await hostile.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: [
        functionStats('evil#a', HUGE, 0, { savedMs: HUGE, computeMs: HUGE }), functionStats('evil#b', HUGE, 0, { savedMs: HUGE, computeMs: HUGE }),
      ] });
      const honest = await WireClient.open(server);
      await honest.send(hello('honest', 77));
      await honest.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: [functionStats('src/prices.ts#getPrices', 41, 3, { computeMs: 612.5, savedMs: 8370.75, entries: 3 })] });

      // What LiveController.snapshot() sends, from the same aggregator views.
      const agg = server.aggregator;
      const state = { at: 1000, server: 'listening', processes: agg.processes(), functions: agg.functions(), breakdown: [], workspaceFunctions: [] };
      await p.goto(pageServer.base);
      await p.evaluate(`window.postMessage(${JSON.stringify({ v: 1, type: 'update', state })}, '*')`);
      const honestRow = 'tr[data-id="src/prices.ts#getPrices"]';
      await p.waitForSelector(honestRow, { timeout: 5000 }).catch(() => undefined);
      assert.ok(await p.$(honestRow), 'the honest process\'s row is shown');
      assert.equal(await p.getAttribute(`${honestRow} td[data-col="hits"]`, 'data-value'), '41');
      assert.equal(await p.getAttribute(`${honestRow} td[data-col="misses"]`, 'data-value'), '3');
      assert.equal(await p.getAttribute(`${honestRow} td[data-col="savedMs"]`, 'data-value'), '8370.75');
      assert.equal(await p.textContent(`${honestRow} td[data-col="ratio"]`), '93%');
      assert.match((await p.textContent('#status')) ?? '', /^2 processes connected · 3 cached functions$/);
      assert.ok(await p.$('tr[data-id="evil#a"].saturated') === null, 'one huge entry alone is finite, not saturated');
      assert.equal(await p.getAttribute('#processes tr[data-process="hostile"]', 'data-process'), 'hostile', 'the hostile process is listed, its totals saturated');
    } finally {
      await p.close();
      await server.stop();
    }
  });

  test('an update carries only the rows that changed (a patch); the panel applies it to the rows it has, exactly', async () => {
    const server = new LiveServer();
    await server.start();
    const p = await browser.newPage();
    try {
      const app = await WireClient.open(server);
      await app.send(hello('app', 10));
      for (let i = 0; i < 2000; i += 500) {
        await app.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: Array.from({ length: 500 }, (_, k) => functionStats(`src/f.ts#f${i + k}`, 1, 1)) });
      }
      const other = await WireClient.open(server);
      await other.send(hello('other', 11));
      await other.send({ v: 1, type: 'stats', seq: 1, at: 1, stats: [functionStats('src/g.ts#g', 2, 2)] });
      const agg = server.aggregator;
      const rows = new PanelRows();
      const base = (at: number) => ({ at, server: 'listening', processes: agg.processes(), breakdown: [], workspaceFunctions: [] });
      const functions = agg.functions();
      rows.full(functions);
      await p.goto(pageServer.base);
      await p.evaluate(`window.postMessage(${JSON.stringify({ v: 1, type: 'init', state: { ...base(1000), functions } })}, '*')`);
      await p.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#functions tbody tr').length === 2001);

      await app.send({ v: 1, type: 'stats', seq: 2, at: 2, stats: [functionStats('src/f.ts#f7', 40, 2, { savedMs: 400.25 })] });
      await other.close();
      agg.forgetGone();
      const patch = rows.patch(agg.functions());
      assert.deepEqual([patch.changed.map((r) => r.id), patch.removed], [['src/f.ts#f7'], ['src/g.ts#g']], 'one changed row, one removed id');
      await p.evaluate(`window.postMessage(${JSON.stringify({ v: 1, type: 'patch', state: { ...base(3000), ...patch } })}, '*')`);
      const row = 'tr[data-id="src/f.ts#f7"]';
      await p.waitForSelector(`${row} td[data-col="hits"][data-value="40"]`, { timeout: 5000 });
      assert.equal(await p.getAttribute(`${row} td[data-col="savedMs"]`, 'data-value'), '400.25');
      assert.equal(await p.$('tr[data-id="src/g.ts#g"]'), null, 'the removed row is gone');
      assert.equal(await p.$$eval('#functions tbody tr', (trs) => trs.length), 2000, 'every other row kept');
      assert.equal(await p.getAttribute('tr[data-id="src/f.ts#f8"] td[data-col="hits"]', 'data-value'), '1');
    } finally {
      await p.close();
      await server.stop();
    }
  });
});
