// One "process" of the memoize stampede test: calls a slow memoized function on the shared Redis
// backend at START_AT (ms since the epoch) and prints how many times it computed, then exits by
// itself (the runtime must not keep it alive).
import { memoize } from '../../../runtime/src/index.js';

let computed = 0;
const slow = memoize(
  async (n: number): Promise<number> => {
    computed++;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return n * 2;
  },
  { id: 'test/stampede.ts#slow', backend: 'shared', ttl: '1m' },
);

setTimeout(() => {
  void slow(21).then((value) => process.stdout.write(JSON.stringify({ computed, value })));
}, Math.max(0, Number(process.env.START_AT) - Date.now()));
