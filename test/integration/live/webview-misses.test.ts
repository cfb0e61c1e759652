/**
 * "Why did it miss?" in the panel's real bundle (dist/webview), in a real browser under the
 * extension's Content Security Policy: selecting a function whose processes sent miss causes shows
 * its split and the one sentence; a function without causes (an older runtime) shows nothing.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type FunctionRow, type LiveSnapshot, type MissCauseCounts } from '../../../protocol/panel.js';
import { launchChromium } from '../../harness/browser';
import { servePanelPage, type PanelPageServer } from './panel-page.js';

const counters = (hits: number, misses: number) => ({
  hits, misses, errors: 0, evictionsSize: 0, evictionsExpired: 0, evictionsExplicit: 0, computeMs: misses * 20, savedMs: hits * 20,
  staleServed: 0, backendErrors: 0, entries: misses, bytes: misses * 100,
});
const reuse = new Array<number>(REUSE_BUCKET_BOUNDS_MS.length + 1).fill(0);
reuse[25] = 1500; // reused about 48 s after the write
const causes = { ...Object.fromEntries(MISS_CAUSES.map((c) => [c, 0])), cold: 300, expired: 1500, evicted: 200, ttlMs: 30_000, reuse, longerTtl: [900, 1204, 1300, 1350] } as MissCauseCounts;
const fn = (id: string, withCauses: boolean): FunctionRow => ({
  id, backend: 'memory', backendType: 'memory', processes: 1, health: 'ok', location: { file: 'src/app.ts', line: 3 }, ...counters(8000, 2000),
  ...(withCauses ? { missCauses: causes } : {}),
});
const snapshot: LiveSnapshot = {
  at: 1000, server: 'listening',
  processes: [{ key: 'p1', pid: 101, app: 'shop', hostname: 'box', runtime: 'cachelens-js', runtimeVersion: '0.1.0', startedAt: 1, connected: true, functions: 2, totals: counters(16000, 4000) }],
  functions: [fn('src/app.ts#prices', true), fn('src/app.ts#legacy', false)],
  breakdown: [], workspaceFunctions: [],
};

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

test('the selected function shows its misses by cause and what to change; one without causes shows none', async () => {
  const p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(pageServer.base);
  await p.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  await p.evaluate(`window.postMessage(${JSON.stringify({ v: 1, type: 'update', state: snapshot })}, '*')`);
  await p.waitForSelector('#functions tbody tr[data-id="src/app.ts#prices"]');
  assert.ok(await p.isHidden('#misses'), 'nothing selected: hidden');

  await p.focus('tr[data-id="src/app.ts#prices"] td[data-col="ratio"]');
  await p.keyboard.press('Enter');
  await p.waitForSelector('#misses:not([hidden])', { timeout: 5000 });
  assert.equal(await p.textContent('#misses-title'), 'Why did it miss? — src/app.ts#prices');
  assert.equal(await p.textContent('#misses-split'), 'Misses: 75% expired · 15% first use · 10% evicted (capacity)');
  assert.equal(await p.textContent('#misses-advice'),
    '75% of misses are expirations: entries are reused after a median of 48.7 s but live 30 s; a TTL of 2 min would have turned 1,204 of those misses into hits.');
  await p.screenshot({ path: path.resolve(__dirname, '../../../out/panel-misses.png'), fullPage: true });

  await p.focus('tr[data-id="src/app.ts#legacy"] td[data-col="ratio"]');
  await p.keyboard.press('Enter');
  await p.waitForSelector('#misses[hidden]', { state: 'attached', timeout: 5000 });
  assert.deepEqual(await p.evaluate<string[]>('window.__violations'), [], 'nothing violates the Content Security Policy');
  assert.deepEqual(errors, []);
  await p.close();
});
