// Shared by the runtime unit tests: a fake clock and a way to wait for promise callbacks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { reloadConfig, setClock } from '../../../runtime/src/index.js';

/** A clock the test moves by hand; installed process-wide until `restore()`. */
export function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void; restore(): void } {
  let t = start;
  const now = (): number => t;
  const restore = setClock(now);
  return { now, advance: (ms) => { t += ms; }, restore };
}

/** Lets pending promise callbacks and immediates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve/reject exposed. */
export function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/**
 * For one suite: `use(content)` writes `content` as a config file and points CACHELENS_CONFIG at
 * it (the process config re-read); after the suite, the variable is restored and the files removed.
 */
export function configFiles(prefix: string): { use(content: unknown): string } {
  const previous = process.env.CACHELENS_CONFIG;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let n = 0;
  after(() => {
    if (previous === undefined) delete process.env.CACHELENS_CONFIG;
    else process.env.CACHELENS_CONFIG = previous;
    reloadConfig();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    use(content) {
      const file = path.join(dir, `cachelens-${++n}.config.json`);
      fs.writeFileSync(file, JSON.stringify(content));
      process.env.CACHELENS_CONFIG = file;
      reloadConfig();
      return file;
    },
  };
}
