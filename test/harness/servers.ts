/**
 * Real servers for the integration tests: `redis-server` (standalone, a 3-master Cluster, a
 * Sentinel setup) and `memcached`, from the Debian packages, each on an ephemeral 127.0.0.1 port
 * with its files in a temp directory, no persistence, stopped by PID. A missing binary throws:
 * the test fails, it is never skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const MEMCACHED = '/usr/bin/memcached';

function requireBinary(file: string, pkg: string): void {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: install the Debian package "${pkg}" (test/harness/prereqs.sh does).`);
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the server binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends `request` and resolves with the first reply chunk, or rejects after `ms`. */
function ask(port: number, request: string, ms = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('timeout')); }, ms);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => { clearTimeout(timer); socket.destroy(); resolve(d.toString()); });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

/** One server process that can be killed and started again on the same port. */
export class ServerProcess {
  #child: ChildProcess | undefined;
  constructor(readonly name: string, readonly port: number, readonly dir: string, readonly command: string, readonly args: readonly string[], readonly ready: () => Promise<boolean>) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, `${this.name}.log`), 'a');
    const child = spawn(this.command, this.args, { cwd: this.dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.#child = child;
    running.add(child);
    child.on('exit', () => running.delete(child));
    await waitFor(`${this.name} on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}; see ${this.dir}`);
      return this.ready();
    });
  }

  /** Sends `signal` (default SIGKILL) to the process by PID and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    process.kill(child.pid as number, signal);
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid as number, 'SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}

function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cachelens-${label}-`));
}

const redisPing = (port: number) => async () => (await ask(port, 'PING\r\n')).startsWith('+PONG');

function redisArgs(port: number, dir: string, extra: string[] = []): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', ...extra];
}

export interface RedisServer {
  port: number;
  url: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

/** A standalone redis-server on an ephemeral port. */
export async function startRedis(extra: string[] = []): Promise<RedisServer> {
  requireBinary(REDIS_SERVER, 'redis-server');
  const port = await freePort();
  const dir = tempDir('redis');
  const proc = new ServerProcess('redis', port, dir, REDIS_SERVER, redisArgs(port, dir, extra), redisPing(port));
  await proc.start();
  return { port, url: `redis://127.0.0.1:${port}`, process: proc, stop: async () => { await proc.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** Calls of each command the Redis server at `url` has executed (INFO commandstats), by lower-case name. */
export async function redisCommandCalls(url: string): Promise<Record<string, number>> {
  const client = new Redis(url);
  try {
    const info = await client.info('commandstats');
    const calls: Record<string, number> = {};
    // Both groups are required by the pattern, so every match has them.
    for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]!);
    return calls;
  } finally {
    client.disconnect();
  }
}

export interface MemcachedServer {
  port: number;
  /** `host:port`, as memjs takes it. */
  address: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

/** A memcached on an ephemeral port (64 MB, loopback only). */
export async function startMemcached(): Promise<MemcachedServer> {
  requireBinary(MEMCACHED, 'memcached');
  const port = await freePort();
  const dir = tempDir('memcached');
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64'];
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const proc = new ServerProcess('memcached', port, dir, MEMCACHED, args, async () => (await ask(port, 'version\r\n')).startsWith('VERSION'));
  await proc.start();
  return { port, address: `127.0.0.1:${port}`, process: proc, stop: async () => { await proc.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

export interface RedisCluster {
  /** `host:port` of each master. */
  nodes: string[];
  processes: ServerProcess[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` masters (no replicas), slots spread by `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  requireBinary(REDIS_SERVER, 'redis-server');
  requireBinary(REDIS_CLI, 'redis-tools');
  const dir = tempDir('cluster');
  const processes: ServerProcess[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir);
    const proc = new ServerProcess(`redis-${port}`, port, nodeDir, REDIS_SERVER,
      redisArgs(port, nodeDir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']), redisPing(port));
    await proc.start();
    processes.push(proc);
  }
  const nodes = processes.map((p) => `127.0.0.1:${p.port}`);
  const created = spawnSync(REDIS_CLI, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  for (const p of processes) {
    await waitFor(`cluster state ok on ${p.port}`, async () => (await ask(p.port, 'CLUSTER INFO\r\n')).includes('cluster_state:ok'), 15_000);
  }
  return {
    nodes,
    processes,
    stop: async () => { await Promise.all(processes.map((p) => p.stop())); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface RedisSentinel {
  master: RedisServer;
  /** `host:port` of the sentinel. */
  sentinels: string[];
  /** Name of the monitored master. */
  name: string;
  stop(): Promise<void>;
}

/** A master plus one Sentinel monitoring it as `name` (quorum 1). */
export async function startRedisSentinel(name = 'cachelens'): Promise<RedisSentinel> {
  const master = await startRedis();
  const port = await freePort();
  const dir = tempDir('sentinel');
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(conf, [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
    `sentinel down-after-milliseconds ${name} 2000`,
  ].join('\n') + '\n');
  const proc = new ServerProcess('sentinel', port, dir, REDIS_SERVER, [conf, '--sentinel'], async () =>
    (await ask(port, `SENTINEL get-master-addr-by-name ${name}\r\n`)).includes(String(master.port)));
  await proc.start();
  return {
    master,
    sentinels: [`127.0.0.1:${port}`],
    name,
    stop: async () => { await proc.stop(); await master.stop(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
