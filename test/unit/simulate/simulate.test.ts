import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from '../../../runtime/src/cli/index.js';
import { readTrace } from '../../../runtime/src/simulate/trace.js';
import type { TraceFormat, TraceKey } from '../../../runtime/src/simulate/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'cachelens-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small trace: keys 0..9 looped 20 times (200 accesses, 10 distinct). */
const KEYS = Array.from({ length: 200 }, (_, i) => i % 10);

function write(name: string, data: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

function i32(keys: number[]): Buffer {
  const buffer = Buffer.alloc(keys.length * 4);
  keys.forEach((key, i) => buffer.writeInt32BE(key, i * 4));
  return buffer;
}

function i64(keys: number[]): Buffer {
  const buffer = Buffer.alloc(keys.length * 8);
  keys.forEach((key, i) => buffer.writeBigInt64BE(BigInt(key), i * 8));
  return buffer;
}

/** xz fixtures need the xz binary to be made; the reader under test never uses it. */
function xz(data: Buffer): Buffer | undefined {
  try {
    return execFileSync('xz', ['-c', '-z'], { input: data });
  } catch {
    return undefined;
  }
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

async function keysOf(path: string, format: TraceFormat): Promise<TraceKey[]> {
  const keys: TraceKey[] = [];
  await readTrace(path, format, (batch, count) => keys.push(...batch.slice(0, count)));
  return keys;
}

describe('trace formats', () => {
  it('reads lirs text, skipping * markers, blank lines and CRLF endings', async () => {
    const path = write('a.lirs', `1\n*\n2\r\n\n  3 \n*\n`);
    assert.deepEqual(await keysOf(path, 'lirs'), [1, 2, 3]);
  });

  it('reads lines as string keys', async () => {
    const path = write('a.txt', 'user:1\nuser:2\r\nuser:1');
    assert.deepEqual(await keysOf(path, 'lines'), ['user:1', 'user:2', 'user:1']);
  });

  it('reads i32be and i64be, negative keys included', async () => {
    assert.deepEqual(await keysOf(write('a.i32', i32([1, -2, 2147483647])), 'i32be'), [1, -2, 2147483647]);
    assert.deepEqual(await keysOf(write('a.i64', i64([1, -2, 2 ** 40])), 'i64be'), [1, -2, 2 ** 40]);
  });

  it('reads gzip and xz by content, whatever the file name', async () => {
    assert.deepEqual(await keysOf(write('gz.bin', gzipSync(i32(KEYS))), 'i32be'), KEYS);
    const compressed = xz(i32(KEYS));
    if (compressed) assert.deepEqual(await keysOf(write('x.bin', compressed), 'i32be'), KEYS);
  });

  it('reads a trace larger than one batch in order', async () => {
    const many = Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 100_003);
    const gz = write('many.gz', gzipSync(many.join('\n')));
    const keys = await keysOf(gz, 'lirs');
    assert.equal(keys.length, many.length);
    assert.deepEqual(keys.slice(-3), many.slice(-3));
  });
});

describe('cachelens simulate', () => {
  it('prints the TSV table: a loop of 10 keys in 10 entries hits all but the first pass', async () => {
    const path = write('loop.gz', gzipSync(KEYS.join('\n')));
    const { code, out } = await cli('simulate', '--trace', path, '--format', 'lirs', '--sizes', '10,50%', '--policies', 'default,lru');
    assert.equal(code, 0);
    assert.equal(out.split('\n')[0], 'policy\tsize\taccesses\thits\thit_ratio');
    assert.match(out, /^default\t10\t200\t190\t0\.950000$/m);
    const rows = out.trim().split('\n').slice(1).map((line) => line.split('\t'));
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [['default', '10'], ['default', '5'], ['lru', '10'], ['lru', '5']]);
    // LRU on a loop of 10 keys in 5 entries never hits.
    assert.equal(rows[3]![3], '0');
  });

  it('--json gives the same figures for machines', async () => {
    const path = write('loop.i32', i32(KEYS));
    const { code, out } = await cli('simulate', '--trace', path, '--format', 'i32be', '--sizes', '10', '--policies', 'lru,lirs', '--json');
    assert.equal(code, 0);
    const json = JSON.parse(out) as { accesses: number; rows: { policy: string; hits: number; hitRatio: number }[] };
    assert.equal(json.accesses, 200);
    assert.deepEqual(json.rows.map((r) => [r.policy, r.hits]), [['lru', 190], ['lirs', 190]]);
  });

  it('a truncated binary trace: error with the byte offset, no table, exit 1', async () => {
    const path = write('cut.i32', i32(KEYS).subarray(0, 4 * 50 + 3));
    const { code, out, err } = await cli('simulate', '--trace', path, '--format', 'i32be', '--sizes', '10');
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /CACHELENS_TRACE_TRUNCATED/);
    assert.match(err, /byte offset 200 /);
  });

  it('a truncated gzip trace: error with the offset in the file, no table', async () => {
    const full = gzipSync(i32(KEYS));
    const path = write('cut.gz', full.subarray(0, full.length - 10));
    const { code, out, err } = await cli('simulate', '--trace', path, '--format', 'i32be', '--sizes', '10');
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, new RegExp(`CACHELENS_TRACE_DECOMPRESS.*byte offset ${full.length - 10} of the file`));
  });

  it('a truncated or corrupt xz trace: error, no table', async () => {
    const compressed = xz(i32(KEYS));
    if (!compressed) return;
    for (const bad of [compressed.subarray(0, compressed.length - 20), Buffer.concat([compressed.subarray(0, 40), Buffer.alloc(30, 0x55)])]) {
      const { code, out, err } = await cli('simulate', '--trace', write('bad.xz', bad), '--format', 'i32be', '--sizes', '10');
      assert.equal(code, 1, err);
      assert.equal(out, '');
      assert.match(err, /CACHELENS_TRACE_DECOMPRESS.*byte offset \d+/);
    }
  });

  it('a text line that is not a key in lirs format: line number and byte offset', async () => {
    const path = write('bad.lirs', '1\n2\nhello\n3\n');
    const { code, out, err } = await cli('simulate', '--trace', path, '--sizes', '10');
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /line 3 \(byte offset 4\).*"hello"/);
  });

  it('usage errors exit 2 and say what to type', async () => {
    assert.equal((await cli('simulate')).code, 2);
    const badPolicy = await cli('simulate', '--trace', 'x', '--policies', 'lru,mru');
    assert.equal(badPolicy.code, 2);
    assert.match(badPolicy.err, /unknown policy "mru"/);
    const badSize = await cli('simulate', '--trace', 'x', '--sizes', '0');
    assert.match(badSize.err, /--sizes: "0" is not a size/);
    const missing = await cli('simulate', '--trace', join(dir, 'absent'), '--sizes', '10');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /CACHELENS_TRACE_OPEN/);
    assert.equal((await cli('nope')).code, 2);
  });

  it('the shipped entry point runs as a process (exit code and streams)', () => {
    const path = write('proc.txt', 'a\nb\na\n');
    const main = join(__dirname, '../../../runtime/src/cli/main.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', main, 'simulate', '--trace', path, '--format', 'lines', '--sizes', '2', '--policies', 'lru'], { encoding: 'utf8' });
    assert.equal(out, 'policy\tsize\taccesses\thits\thit_ratio\nlru\t2\t3\t1\t0.333333\n');
    assert.ok(readFileSync(path).length > 0);
  });
});
