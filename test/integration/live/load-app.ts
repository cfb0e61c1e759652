/**
 * Load for the server: one process hosting PROCESSES reporters (each its own instance, as if it
 * were its own process), each reporting FUNCTIONS functions whose counters all change every
 * 250 ms, for ROUNDS rounds. Prints the totals it reported, then waits for "exit" on stdin.
 */
import { Reporter } from '../../../runtime/src/reporter/index.js';
import { defaultSocketFactory } from '../../../runtime/src/reporter/socket.js';
import type { ReportedFunction, ReportedSnapshot } from '../../../runtime/src/reporter/index.js';

const PROCESSES = Number(process.env.LOAD_PROCESSES);
const FUNCTIONS = Number(process.env.LOAD_FUNCTIONS);
const ROUNDS = Number(process.env.LOAD_ROUNDS);
const endpoint = process.env.CACHELENS_ENDPOINT!;

function source(p: number) {
  const fns: (ReportedFunction & { snap: ReportedSnapshot })[] = [];
  for (let i = 0; i < FUNCTIONS; i++) {
    const snap: ReportedSnapshot = { hits: 0, misses: 0, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 0, bytes: 0, computeMs: 0, savedMs: 0, staleServed: 0, backendErrors: 0 };
    fns.push({
      id: `src/load.ts#f${i}`, backend: 'memory', backendType: 'memory', options: { max: 1000 }, location: { file: 'src/load.ts', line: i + 1 }, snap,
      stats: () => ({ ...snap, evictions: { ...snap.evictions } }), health: () => 'ok', clear: async () => {},
    });
  }
  return { fns, list: () => fns, get: (id: string) => fns.find((f) => f.id === id), pid: 10_000 + p };
}

async function main(): Promise<void> {
  const socketFactory = await defaultSocketFactory();
  const sources = Array.from({ length: PROCESSES }, (_, p) => source(p));
  const reporters = sources.map((s, p) => new Reporter({
    endpoint, source: s, socketFactory, backoff: { initialMs: 50, maxMs: 200 },
    identity: { instance: `load-${p}`, pid: s.pid, app: 'load', runtime: 'cachelens-js', runtimeVersion: '0.1.0', hostname: 'load', startedAt: Date.now() },
  }));
  for (const r of reporters) r.start();
  let round = 0;
  const timer = setInterval(() => {
    for (const s of sources) {
      for (const f of s.fns) {
        f.snap.hits += 3;
        f.snap.misses += 1;
        f.snap.entries = round;
      }
    }
    if (++round === ROUNDS) {
      clearInterval(timer);
      process.stdout.write(`${JSON.stringify({ hitsPerFunction: 3 * ROUNDS * PROCESSES, missesPerFunction: ROUNDS * PROCESSES })}\n`);
    }
  }, 250);
  process.stdin.on('data', () => {
    for (const r of reporters) r.stop();
    process.stdin.destroy();
  });
}
void main();
