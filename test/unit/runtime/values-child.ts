// A process that memoizes a function whose result has a throwing getter, on an in-memory backend,
// lets the result be stored, and exits. Printed: the result's `ok`, the calls made and the counters.
import { cacheOf, memoize } from '../../../runtime/src/index.js';

const backend = process.argv[2] ?? 'memory';
let calls = 0;
const f = memoize(async () => {
  calls++;
  return { ok: 1, get boom(): number { throw new Error('boom'); } };
}, { backend, id: `values-child-${backend}` });

async function main(): Promise<void> {
  const first = await f();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the store write happens after the promise settles
  await f();
  const s = cacheOf(f).stats();
  console.log(JSON.stringify({ ok: first.ok, calls, hits: s.hits, entries: s.entries, backendErrors: s.backendErrors }));
}
void main();
