// Run by gc.test.ts in a child process started with --expose-gc: creates many instances of a class
// with a @memoize() method holding sizeable values, drops them, collects, and prints what is left.
import { registry, cacheOf } from '../../../runtime/src/index.js';
import { compileFixture } from './decorator-fixture.js';

declare const gc: () => void;

interface Fixture { Repo: { new (name: string): { big(n: number): number[] }; prototype: { big(n: number): number[] } } }

async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main(): Promise<void> {
  const experimental = process.argv.includes('--legacy');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Repo } = require(compileFixture(experimental)) as Fixture;
  const info = registry.get(cacheOf(Repo.prototype.big).id)!;
  let collected = 0;
  const finalizer = new FinalizationRegistry(() => { collected++; });
  const ROUND = 500;
  const round = (): void => {
    for (let i = 0; i < ROUND; i++) {
      const repo = new Repo(`r${i}`);
      repo.big(1);
      repo.big(2); // two entries of ~16 KB each per instance
      finalizer.register(repo, i);
    }
  };
  round();
  const entriesWhileAlive = info.stats().entries;
  await collect();
  const heapAfterFirst = process.memoryUsage().heapUsed;
  for (let r = 0; r < 9; r++) round();
  await collect();
  const heapAfterAll = process.memoryUsage().heapUsed;
  process.stdout.write(JSON.stringify({
    created: ROUND * 10,
    collected,
    entriesWhileAlive,
    entriesAfter: info.stats().entries,
    heapGrowthBytes: heapAfterAll - heapAfterFirst,
  }));
}

void main();
