/**
 * The app under test of the disk drills: a memoized async function on the disk backend (the
 * runtime's real `memoize`, the config from CACHELENS_CONFIG), whose every result it checks.
 *   DRILL_MODE=loop   calls forever (until killed), printing {"ready":true} after its first call;
 *                     a wrong value or an exception ends it with exit code 3 and the reason on stderr.
 *   DRILL_MODE=check  calls every key twice and prints one JSON line: calls, wrong, thrown, the
 *                     worst latency, hits, misses and the function's health; then exits by itself.
 */
import { performance } from 'node:perf_hooks';
import { memoize, registry, type Duration } from '../../runtime/src/index.js';
import { DISK_KEYS, diskValue, type DiskValue } from './disk-values.js';

const ID = 'drill/disk#value';
let computes = 0;
const value = memoize(async (n: number): Promise<DiskValue> => {
  computes++;
  return diskValue(n);
}, { id: ID, backend: 'disk', ttl: (process.env.DRILL_TTL ?? '300ms') as Duration });

function same(a: DiskValue, b: DiskValue): boolean {
  return a.n === b.n && a.text === b.text && a.sum === b.sum;
}

async function loop(): Promise<void> {
  let i = Number(process.env.DRILL_SEED ?? 0);
  let ready = false;
  for (;;) {
    const n = (i++ * 7919) % DISK_KEYS;
    let r: DiskValue;
    try {
      r = await value(n);
    } catch (error) {
      process.stderr.write(`value(${n}) threw: ${String((error as Error)?.stack ?? error)}\n`);
      process.exit(3);
    }
    if (!same(r, diskValue(n))) {
      process.stderr.write(`value(${n}) gave a wrong value: ${JSON.stringify(r).slice(0, 200)}\n`);
      process.exit(3);
    }
    if (!ready) {
      ready = true;
      process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    }
    if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function check(): Promise<void> {
  let calls = 0;
  let wrong = 0;
  const thrown: string[] = [];
  let worstMs = 0;
  for (let round = 0; round < 2; round++) {
    for (let n = 0; n < DISK_KEYS; n++) {
      const t0 = performance.now();
      try {
        if (!same(await value(n), diskValue(n))) wrong++;
      } catch (error) {
        thrown.push(String(error));
      }
      calls++;
      worstMs = Math.max(worstMs, performance.now() - t0);
    }
  }
  const info = registry.get(ID);
  const stats = info?.stats();
  process.stdout.write(`${JSON.stringify({ calls, wrong, thrown: thrown.length, firstThrown: thrown[0], worstMs, computes, hits: stats?.hits, misses: stats?.misses, backendErrors: stats?.backendErrors, health: info?.health() })}\n`);
}

if (process.env.DRILL_MODE === 'loop') void loop();
else void check();
