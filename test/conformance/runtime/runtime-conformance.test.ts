/**
 * Runtime conformance (part b of the language-neutral suite): every workload under workloads/ is
 * run by each runtime's adapter (the JS runtime's and the Python runtime's) in its own process,
 * reporting to the REAL server (extension/src/server) on 127.0.0.1; the server's totals must then
 * equal the workload's `expected` figures exactly. README.md beside this file is the format and
 * the adapter contract.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';

const DIR = path.join(__dirname, 'workloads');
const ROOT = path.join(__dirname, '..', '..', '..');

/** How each runtime's adapter is started (README.md: "The adapter contract"). */
const ADAPTERS = [
  { runtime: 'js', command: process.execPath, args: ['--import', 'tsx', path.join(__dirname, 'js-adapter.ts')], env: {} },
  {
    // Debian's interpreter (the first python3 on the PATH may be another), the package from source.
    runtime: 'py', command: '/usr/bin/python3', args: [path.join(__dirname, 'py-adapter.py')],
    env: { PYTHONPATH: path.join(ROOT, 'python', 'src'), PYTHONDONTWRITEBYTECODE: '1' },
  },
] as const;
/** How long the server may take to show the final totals after the adapter is done. */
const SETTLE_MS = 20_000;

type Figures = Record<string, number>;
interface Workload { name: string; expected: Record<string, Figures> }

/** The server's totals of `ids`, restricted to the fields the workload names. */
function totals(server: LiveServer, expected: Record<string, Figures>): Record<string, Figures> {
  const rows = new Map(server.aggregator.functions().map((row) => [row.id, row as unknown as Figures]));
  return Object.fromEntries(Object.entries(expected).map(([id, want]) => {
    const row = rows.get(id);
    return [id, Object.fromEntries(Object.keys(want).map((field) => [field, row?.[field] ?? NaN]))];
  }));
}

for (const adapter of ADAPTERS) for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
  const workload = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Workload;
  test(`runtime conformance (${adapter.runtime}): ${file}: the real server's totals equal the expected figures exactly`, { timeout: 90_000 }, async () => {
    const server = new LiveServer();
    await server.start();
    const child = spawn(adapter.command, [...adapter.args, path.join(DIR, file)], {
      env: { ...process.env, ...adapter.env, ...server.environment }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const line = await new Promise<string>((resolve) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        void exited.then(() => resolve(`{"failed":"the adapter exited: ${stderr.replace(/["\\\n]/g, ' ').slice(-500)}"}`));
      });
      const report = JSON.parse(line) as { done?: true; failed?: string };
      assert.equal(report.failed, undefined, `the adapter: ${report.failed}`);
      const deadline = Date.now() + SETTLE_MS;
      while (!isDeepEqual(totals(server, workload.expected), workload.expected) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.deepEqual(totals(server, workload.expected), workload.expected);
      assert.equal(Object.values(server.rejections).reduce((a, b) => a + b, 0), 0, 'the server dropped no message');
      child.stdin.end();
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await server.stop();
    }
  });
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
