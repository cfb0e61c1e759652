/**
 * A stand-in for the editor as a separate process, so a test can SIGKILL, SIGSTOP and restart it:
 * the real LiveServer on 127.0.0.1 (EDITOR_PORT and EDITOR_TOKEN to come back where it was).
 * Prints `{"port":…,"token":"…"}` once listening; then on each stdin line `totals` prints the
 * aggregated `{id: {hits, misses}}` of every function as one line.
 */
import { createInterface } from 'node:readline';
import { LiveServer } from '../../../extension/src/server/server.js';

const server = new LiveServer({
  ...(process.env.EDITOR_PORT ? { port: Number(process.env.EDITOR_PORT) } : {}),
  ...(process.env.EDITOR_TOKEN ? { token: process.env.EDITOR_TOKEN } : {}),
});
void server.start().then(() => process.stdout.write(`${JSON.stringify({ port: server.port, token: server.token })}\n`));
createInterface({ input: process.stdin }).on('line', () => {
  const totals = Object.fromEntries(server.aggregator.functions().map((f) => [f.id, { hits: f.hits, misses: f.misses }]));
  process.stdout.write(`${JSON.stringify(totals)}\n`);
});
