/**
 * A real app for the what-if integration test: three memoized functions (two traced when
 * CACHELENS_TRACE says so, one of them with a TTL; one never), skewed keys, driven over stdin/stdout one JSON object a line:
 *   in:  {"cmd":"hammer","calls":N}          out: {"done":true,"calls":N}
 *   in:  {"cmd":"whatif","sizes":[...]}      out: {"points":[...]} (whatIf on the app's own recorder) or {"points":null}
 *   in:  {"cmd":"exit"}
 * The reporter starts on its own from CACHELENS_ENDPOINT.
 */
import { createInterface } from 'node:readline';
import { memoize, registry } from '../../../runtime/src/index.js';
import { whatIf } from '../../../runtime/src/simulate/whatif.js';

export const TRACED_ID = 'whatif-app#price';
export const UNTRACED_ID = 'whatif-app#label';
export const TTL_ID = 'whatif-app#stock';

const price = memoize((sku: number) => sku * 1.5, { id: TRACED_ID, max: 64 });
const label = memoize((sku: number) => `#${sku}`, { id: UNTRACED_ID, max: 64, trace: false });
/** Traced like `price` (CACHELENS_TRACE), with a TTL: for the TTL what-if. */
const stock = memoize((sku: number) => sku % 7, { id: TTL_ID, max: 64, ttl: '30s' });

let state = 12345;
/** Keys 0..999, the low ones far more often (u^3): a working set larger than max, so size matters. */
function nextKey(): number {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return Math.floor(((state / 4294967296) ** 3) * 1000);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line) as { cmd: string; calls?: number; sizes?: number[] };
  if (message.cmd === 'hammer') {
    const calls = message.calls ?? 0;
    for (let i = 0; i < calls; i++) {
      const key = nextKey();
      price(key);
      label(key);
      stock(key);
    }
    process.stdout.write(`${JSON.stringify({ done: true, calls })}\n`);
  } else if (message.cmd === 'whatif') {
    const trace = registry.get(TRACED_ID)?.trace;
    process.stdout.write(`${JSON.stringify({ points: trace ? whatIf(trace, message.sizes ?? []) : null })}\n`);
  } else if (message.cmd === 'exit') {
    lines.close();
  }
});
