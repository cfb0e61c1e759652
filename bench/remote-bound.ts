// What the fail-open bound (commandTimeoutMs) costs one Redis GET on the client, without I/O: 50
// ioredis Commands in flight, then answered together (one pipelined reply), settled through
//   plain          the store's reply handlers only (no bound),
//   ioredis-timer  + ioredis's commandTimeout (a timer set and cleared per command: the store's client),
//   guard-ticket   + the guard's ticket queue (one timer for all in flight, as the Memcached store
//                  does) and the promise a GET then needs so that it can answer a miss on expiry.
// CPU-bound, so much steadier on a loaded machine than the socket benchmark (backends-remote.ts).
// Run: node --import tsx bench/remote-bound.ts
import os from 'node:os';
import Command from 'ioredis/built/Command.js';
import { FailOpenGuard } from '../runtime/src/stores/remote/guard.js';
import { MISS, type StoreEvents } from '../runtime/src/stores/types.js';

interface CommandLike { promise: Promise<unknown>; resolve(value: unknown): void; setTimeout(ms: number): void }
const CommandClass = ((Command as unknown as { default?: unknown }).default ?? Command) as new (name: string, args: unknown[], options: object) => CommandLike;
const modes = ['plain', 'ioredis-timer', 'guard-ticket'] as const;
type Mode = (typeof modes)[number];
const events: StoreEvents = { evicted: () => undefined };
const guard = new FailOpenGuard('redis', {}, 500);
const bytes = Buffer.from('x');
const onReply = (b: unknown): unknown => b;
const onError = (): unknown => MISS;
const IN_FLIGHT = 50;
const BATCHES = 400;
const ROUNDS = 31;

async function batch(mode: Mode): Promise<void> {
  const commands: CommandLike[] = [];
  const answers: Promise<unknown>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) {
    const command = new CommandClass('get', ['k'], { replyEncoding: null });
    if (mode === 'ioredis-timer') command.setTimeout(500);
    commands.push(command);
    const reply = command.promise;
    if (mode !== 'guard-ticket') answers.push(reply.then(onReply, onError));
    else answers.push(new Promise((resolve) => {
      const ticket = guard.track(events, 'GET', () => resolve(MISS));
      reply.then((b) => { if (guard.settle(ticket)) resolve(onReply(b)); }, () => { if (guard.settle(ticket)) resolve(onError()); });
    }));
  }
  for (const command of commands) command.resolve(bytes);
  await Promise.all(answers);
}

async function main(): Promise<void> {
  const cpu: Record<Mode, number[]> = { plain: [], 'ioredis-timer': [], 'guard-ticket': [] };
  for (const mode of modes) for (let i = 0; i < 2000; i++) await batch(mode); // warm-up
  const load = os.loadavg()[0]!;
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(k + r) % modes.length]!;
      const c0 = process.cpuUsage();
      for (let i = 0; i < BATCHES; i++) await batch(mode);
      const c = process.cpuUsage(c0);
      cpu[mode].push((c.user + c.system) * 1000 / (BATCHES * IN_FLIGHT));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`CPU ns per GET (median of ${ROUNDS} interleaved rounds; load average ${load.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after, on ${os.cpus().length} CPUs)`);
  for (const mode of modes) {
    const extra = cpu[mode].map((x, i) => x - cpu.plain[i]!);
    console.log(`${mode.padEnd(14)} ${median(cpu[mode]).toFixed(0).padStart(5)} ns   bound: ${median(extra).toFixed(0)} ns`);
  }
}

void main().catch((error: unknown) => { console.error(error); process.exitCode = 1; });
