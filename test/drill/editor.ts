/**
 * The editor side of the reporter drill, in its own process so that it can be SIGKILLed,
 * SIGSTOPped (it stops reading its sockets, handshakes done) and restarted: the extension's real
 * loopback server (`LiveServer`) and aggregator, on DRILL_PORT (0: ephemeral) with DRILL_TOKEN.
 *   out (first line): {"port":N,"token":"...","endpoint":"ws://..."}
 *   in:  {"cmd":"counts"}  out: {"functions":{id:{hits,misses}},"processes":[{pid,connected}]}
 */
import { createInterface } from 'node:readline';
import { LiveServer } from '../../extension/src/server/server.js';

const server = new LiveServer({
  port: Number(process.env.DRILL_PORT ?? 0),
  ...(process.env.DRILL_TOKEN ? { token: process.env.DRILL_TOKEN } : {}),
});

void server.start().then(() => {
  process.stdout.write(`${JSON.stringify({ port: server.port, token: server.token, endpoint: server.endpoint })}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const { cmd } = JSON.parse(line) as { cmd: string };
  if (cmd !== 'counts') return;
  const functions: Record<string, { hits: number; misses: number }> = {};
  for (const row of server.aggregator.functions()) functions[row.id] = { hits: row.hits, misses: row.misses };
  const processes = server.aggregator.processes().map((p) => ({ pid: p.pid, connected: p.connected }));
  process.stdout.write(`${JSON.stringify({ functions, processes })}\n`);
});
