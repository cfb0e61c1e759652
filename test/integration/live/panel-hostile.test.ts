/**
 * One process's numbers never hide another's (issue 13, item 6), end to end with real parts: a
 * hostile process and an honest one report over real sockets to the real server; the snapshot the
 * extension builds from the server's aggregator goes to the real panel bundle in Chromium, which
 * must show the honest process's rows with their exact figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
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
});
