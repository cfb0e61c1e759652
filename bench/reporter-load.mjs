// The load of bench/reporter.bench.mjs's server part: PROCESSES WebSocket clients (one per
// simulated process) that each report FUNCTIONS functions, every counter changing, every 250 ms,
// for SECONDS. Speaks the protocol directly (no runtime), so the bench measures the server alone.
import WebSocket from 'ws';

const PROCESSES = Number(process.env.LOAD_PROCESSES ?? 50);
const FUNCTIONS = Number(process.env.LOAD_FUNCTIONS ?? 1000);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const endpoint = process.env.CACHELENS_ENDPOINT;
const CHUNK = 500;

const ids = Array.from({ length: FUNCTIONS }, (_, i) => `src/load.ts#f${i}`);
const sockets = await Promise.all(
  Array.from({ length: PROCESSES }, (_, p) => new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoint, { perMessageDeflate: false });
    ws.on('open', () => {
      ws.send(JSON.stringify({ v: 1, type: 'hello', instance: `load-${p}`, pid: 20_000 + p, app: 'load', runtime: 'bench', runtimeVersion: '0', hostname: 'bench', startedAt: Date.now() }));
      for (let i = 0; i < FUNCTIONS; i += CHUNK) {
        ws.send(JSON.stringify({ v: 1, type: 'functions', functions: ids.slice(i, i + CHUNK).map((id, j) => ({ id, backend: 'memory', backendType: 'memory', options: { max: 1000 }, location: { file: 'src/load.ts', line: i + j + 1 } })) }));
      }
      resolve(ws);
    });
    ws.on('error', reject);
  })),
);

let round = 0;
const seq = new Array(PROCESSES).fill(0);
process.stdout.write('ready\n');
const timer = setInterval(() => {
  round++;
  const at = Date.now();
  sockets.forEach((ws, p) => {
    for (let i = 0; i < FUNCTIONS; i += CHUNK) {
      const stats = ids.slice(i, i + CHUNK).map((id) => ({
        id, hits: round * 30, misses: round * 3, errors: 0, evictions: { size: round, expired: 0, explicit: 0 }, entries: 500, bytes: 64_000,
        computeMs: round * 12.5, savedMs: round * 125, staleServed: 0, backendErrors: 0, health: 'ok',
      }));
      ws.send(JSON.stringify({ v: 1, type: 'stats', seq: ++seq[p], at, stats }));
    }
  });
  if (round === SECONDS * 4) {
    clearInterval(timer);
    setTimeout(() => {
      for (const ws of sockets) ws.close();
      process.stdout.write(`${JSON.stringify({ rounds: round })}\n`);
    }, 500);
  }
}, 250);
