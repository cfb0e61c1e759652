// The two-tier store (L1 in process + Redis) against a real redis-server, and its coherence
// across two processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createTieredStore, type TieredBackendConfig } from '../../../runtime/src/stores/tiered.js';
import { MISS, type AsyncStore, type StoreContext } from '../../../runtime/src/stores/types.js';
import { startRedis, type RedisServer } from '../../harness/servers.js';
import { storeContract } from '../../harness/store-contract.js';
import { COHERENCE_BOUND_MS } from './coherence.js';


let server: RedisServer;
const config: TieredBackendConfig = { type: 'tiered', keyPrefix: 'tier:' };
before(async () => {
  server = await startRedis();
  config.url = server.url;
});
after(() => server.stop());

// The L1 keeps references (no copy), like the memory store; the contract's copy checks do not apply.
storeContract({ name: 'tiered', ttl: 'server', copies: false, create: (c) => createTieredStore(config, c) });

const ctx = (namespace: string): StoreContext => ({ namespace, now: Date.now, events: { evicted: () => undefined } });

describe('tiered: L1 and coherence', () => {
  it('serves a repeated read from L1 (peek) and falls back to Redis after an L1 eviction', async () => {
    const store = createTieredStore({ ...config, l1: { max: 2 } }, ctx('l1-fn')) as AsyncStore;
    for (let i = 0; i < 100 && !(await store.set('warm', 0, {}), store.peek!('warm') === 0); i++) await new Promise((r) => setTimeout(r, 10));
    await store.set('a', 1, {});
    assert.equal(store.peek!('a'), 1, 'a write fills L1 once the subscriber listens');
    await store.set('b', 2, {});
    await store.set('c', 3, {});
    const inL1 = ['a', 'b', 'c'].filter((k) => store.peek!(k) !== MISS).length;
    assert.ok(inL1 <= 2, 'L1 holds at most l1.max entries');
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) assert.equal(await store.get(k), v);
    await store.close();
  });

  it('drops tagged entries from every L1 when a tag is invalidated', async () => {
    const a = createTieredStore(config, ctx('tier-tags')) as AsyncStore;
    const b = createTieredStore({ ...config }, ctx('tier-tags')) as AsyncStore;
    await a.set('k', 1, { tags: ['t'] });
    for (let i = 0; i < 200 && b.peek!('k') === MISS; i++) { await b.get('k'); await new Promise((r) => setTimeout(r, 5)); }
    assert.equal(b.peek!('k'), 1, 'b holds the entry in its L1');
    assert.equal(await a.invalidateTags!(['t']), 1);
    for (let i = 0; i < 200 && b.peek!('k') !== MISS; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(b.peek!('k'), MISS);
    assert.equal(a.peek!('k'), MISS);
    assert.equal(await b.get('k'), MISS);
    await a.close();
    await b.close();
  });

  it('shows another process a write within the bound', async () => {
    const writer = createTieredStore({ ...config, keyPrefix: 'coh:' }, ctx('coherent-fn')) as AsyncStore;
    await writer.set('k', 'v0', {});
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'tiered-reader.ts'), server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout });
    const seen: { value?: string; at?: number; held?: string; ready?: boolean }[] = [];
    const waiters: (() => void)[] = [];
    lines.on('line', (line) => { seen.push(JSON.parse(line)); for (const w of waiters.splice(0)) w(); });
    const waitFor = async (pred: (s: (typeof seen)[number]) => boolean, ms = 5000) => {
      const deadline = Date.now() + ms;
      while (!seen.some(pred)) {
        if (Date.now() > deadline) throw new Error(`child never reported it; saw ${JSON.stringify(seen)}`);
        await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
      }
      return seen.find(pred)!;
    };
    const windows: number[] = [];
    for (let round = 1; round <= 5; round++) {
      // Once the reader serves the previous value from its L1, overwrite it here.
      await waitFor((s) => s.held === `v${round - 1}`);
      const t0 = performance.timeOrigin + performance.now();
      await writer.set('k', `v${round}`, {});
      const report = await waitFor((s) => s.value === `v${round}`);
      windows.push((report.at as number) - t0);
    }
    await writer.set('k', 'stop', {});
    await new Promise((r) => child.once('exit', r));
    await writer.close();
    assert.ok(Math.max(...windows) < COHERENCE_BOUND_MS, `staleness windows (ms): ${windows.map((w) => w.toFixed(1)).join(', ')}`);
  });
});
