/**
 * The default policy against the per-point best of the six reference policies on the seeded
 * workload family of `hitratio-family.ts`, worst gap first.
 *
 *   node --import tsx bench/hitratio-family.bench.ts [--half tuning|heldout] [--seeds 1,5] [--kinds loop,mix]
 *     [--jobs N] [--json] [--references FILE]
 *
 * --half: one half only (default: both, the held-out half reported first); --seeds, --kinds: only
 * these instances (comma-separated seeds, kinds); --jobs: workloads simulated at once in child
 * processes (default 2); --json: the points as JSON instead of markdown; --references: the
 * reference policies' ratios from an earlier --json run (same points), so that only the default
 * policy is simulated (about 7x faster, for trying a change of the default policy). bench/hitratio.bench.ts runs the
 * whole family too and writes it into docs/benchmarks.md.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { createBoundedCache } from '../runtime/src/policy/index.js';
import type { PolicyName } from '../runtime/src/policy/index.js';
import { FAMILY_KINDS, familyWorkload, familyWorkloads } from './hitratio-family.js';
import type { FamilyWorkload } from './hitratio-family.js';
import { REFERENCES } from './hitratio-points.js';

export interface FamilyPoint {
  name: string;
  half: 'tuning' | 'heldout';
  description: string;
  size: number;
  /** Hit ratio (0..1) per policy, the references and `adaptive`. */
  ratios: Record<string, number>;
  best: number;
  bestPolicy: string;
  /** Default minus best, in points. */
  gap: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Hit ratio of `policy` at `size` on `w` (with `w.ttl`: an entry older than that many accesses is a miss and is replaced). */
export function replayWorkload(w: FamilyWorkload, policy: PolicyName, size: number): number {
  const cache = createBoundedCache<number, number>(policy, { max: size });
  const keys = w.keys;
  let hits = 0;
  if (w.ttl === 0) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (cache.get(key) === undefined) cache.set(key, i);
      else hits++;
    }
  } else {
    // As the memory store does it: an expired entry is removed without counting as an access
    // (then fetched again: a miss), and before each insertion every expired entry is purged.
    const queueKeys = new Int32Array(keys.length);
    const queueBorn = new Int32Array(keys.length);
    let head = 0;
    let tail = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const born = cache.peek(key);
      if (born !== undefined && i - born <= w.ttl) {
        cache.get(key);
        hits++;
        continue;
      }
      if (born !== undefined) cache.delete(key);
      while (head < tail && i - queueBorn[head]! > w.ttl) {
        if (cache.peek(queueKeys[head]!) === queueBorn[head]) cache.delete(queueKeys[head]!);
        head++;
      }
      cache.set(key, i);
      queueKeys[tail] = key;
      queueBorn[tail++] = i;
    }
  }
  return hits / keys.length;
}

/** Every point of `w`; with `adaptiveOnly`, the reference policies' ratios are left at 0 (to be filled from an earlier run). */
export function measure(w: FamilyWorkload, adaptiveOnly = false): FamilyPoint[] {
  return w.sizes.map((size) => {
    const ratios: Record<string, number> = {};
    for (const p of [...REFERENCES, 'adaptive'] as PolicyName[]) ratios[p] = adaptiveOnly && p !== 'adaptive' ? 0 : replayWorkload(w, p, size);
    const bestPolicy = REFERENCES.reduce((a, b) => (ratios[b]! > ratios[a]! ? b : a));
    const best = ratios[bestPolicy]!;
    return { name: w.name, half: w.half, description: w.description, size, ratios, best, bestPolicy, gap: (ratios.adaptive! - best) * 100 };
  });
}

const pct = (x: number): string => (x * 100).toFixed(2);
const LABELS: Record<string, string> = { lru: 'LRU', arc: 'ARC', lirs: 'LIRS', sieve: 'SIEVE', s3fifo: 'S3-FIFO', wtinylfu: 'W-TinyLFU' };

export function summary(points: FamilyPoint[]): { mean: number; worst: FamilyPoint } {
  const mean = points.reduce((a, p) => a + p.gap, 0) / points.length;
  const worst = points.reduce((w, p) => (p.gap < w.gap ? p : w));
  return { mean, worst };
}

/** The family's section of docs/benchmarks.md: the held-out half first, then the tuning half, each worst gap first. */
export function renderFamilySection(points: FamilyPoint[]): string {
  const out = ['### Workload family: held-out and tuning halves', '',
    'A seeded family from `bench/hitratio-family.ts` (`node --import tsx bench/hitratio-family.bench.ts`): seven kinds (recency-dominated sessions with bursts, noisy loops larger than the cache, scans over a hot Zipf set, shifting working sets, Zipf from 0.5 to 1.2, Zipf with short TTLs, mixes of recency with a loop or Zipf), six instances each with parameters drawn from their seeds, three cache sizes each (half the instances have caches above 4,096 entries: the sampled regime).',
    'Odd seeds are the tuning half, even seeds the held-out half: the policy\'s decision rules were changed and checked on the tuning half only. TTL is in accesses and modelled as the memory store does it (an expired entry is removed, not hit, and expired entries are purged before an insertion).', ''];
  const heldout = points.filter((p) => p.half === 'heldout');
  const tuning = points.filter((p) => p.half === 'tuning');
  out.push(renderFamily(heldout, 'Held-out half (never tuned on), worst first'), '', renderFamily(tuning, 'Tuning half, worst first'), '');
  const seen = new Set<string>();
  for (const p of [...heldout, ...tuning]) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push(`- \`${p.name}\` (${p.half === 'heldout' ? 'held out' : 'tuning'}): ${p.description}.`);
  }
  return out.join('\n');
}

/** A markdown table of `points`, worst gap first. */
export function renderFamily(points: FamilyPoint[], title: string): string {
  const sorted = [...points].sort((a, b) => a.gap - b.gap);
  const { mean, worst } = summary(points);
  const out = [`#### ${title}`, '',
    `${points.length} points: default vs the per-point best **${mean.toFixed(2)} points on average, worst ${worst.gap.toFixed(2)}** (${worst.name} at ${worst.size}); within 0.5 points: ${points.filter((p) => p.gap >= -0.5).length} of ${points.length}.`, '',
    `| workload | size | ${REFERENCES.map((p) => LABELS[p]).join(' | ')} | best | default | Δ |`, `|---|---:|${REFERENCES.map(() => '---:').join('|')}|---:|---:|---:|`];
  for (const p of sorted) {
    const cells = REFERENCES.map((r) => (r === p.bestPolicy ? `**${pct(p.ratios[r]!)}**` : pct(p.ratios[r]!)));
    out.push(`| ${p.name} | ${p.size} | ${cells.join(' | ')} | ${pct(p.best)} | ${pct(p.ratios.adaptive!)} | ${p.gap.toFixed(2)} |`);
  }
  return out.join('\n');
}

/**
 * Simulates the family (or one half; `seeds`: only these instances) in `jobs` child processes at
 * a time, each generating its own workload; returns every point.
 */
export async function runFamily(jobs: number, half?: 'tuning' | 'heldout', seeds?: string[], kinds?: string[], references?: FamilyPoint[]): Promise<FamilyPoint[]> {
  const names: string[] = [];
  for (const w of familyWorkloads(half, 0.001)) {
    if ((seeds === undefined || seeds.includes(String(w.seed))) && (kinds === undefined || kinds.includes(w.kind))) names.push(w.name);
  }
  const known = new Map((references ?? []).map((p) => [`${p.name}@${p.size}`, p]));
  const run = promisify(execFile);
  const points: FamilyPoint[] = [];
  const queue = [...names];
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const args = ['--import', 'tsx', __filename, '--worker', next, ...(references === undefined ? [] : ['--adaptive-only'])];
      const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 26 });
      for (const p of JSON.parse(stdout) as FamilyPoint[]) points.push(references === undefined ? p : withReferences(p, known.get(`${p.name}@${p.size}`)));
    }
  }));
  const order = new Map(names.map((n, i) => [n, i]));
  return points.sort((a, b) => order.get(a.name)! - order.get(b.name)! || a.size - b.size);
}

/** `p` (only the default policy simulated) completed with the reference ratios of `earlier`, the same point from an earlier run. */
function withReferences(p: FamilyPoint, earlier: FamilyPoint | undefined): FamilyPoint {
  if (earlier === undefined) throw new Error(`--references: no point ${p.name} at ${p.size} in the file; make it with --json on the same points.`);
  const ratios = { ...earlier.ratios, adaptive: p.ratios.adaptive! };
  return { ...earlier, ratios, gap: (ratios.adaptive - earlier.best) * 100 };
}

async function main(): Promise<void> {
  const worker = option('worker');
  if (worker !== undefined) {
    const [kind, seed] = worker.split('/');
    if (!(FAMILY_KINDS as readonly string[]).includes(kind!) || !(Number(seed) >= 1)) throw new Error(`--worker ${worker}: expected KIND/SEED with KIND one of ${FAMILY_KINDS.join(', ')} and SEED >= 1.`);
    process.stdout.write(JSON.stringify(measure(familyWorkload(kind as (typeof FAMILY_KINDS)[number], Number(seed)), process.argv.includes('--adaptive-only'))));
    return;
  }
  const half = option('half') as 'tuning' | 'heldout' | undefined;
  if (half !== undefined && half !== 'tuning' && half !== 'heldout') throw new Error(`--half ${half}: use tuning or heldout.`);
  const jobs = Math.max(1, Number(option('jobs') ?? Math.min(2, availableParallelism())));
  const kinds = option('kinds')?.split(',');
  for (const k of kinds ?? []) if (!(FAMILY_KINDS as readonly string[]).includes(k)) throw new Error(`--kinds ${k}: expected some of ${FAMILY_KINDS.join(', ')}.`);
  const referenceFile = option('references');
  const references = referenceFile === undefined ? undefined : (JSON.parse(readFileSync(referenceFile, 'utf8')) as FamilyPoint[]);
  const points = await runFamily(jobs, half, option('seeds')?.split(','), kinds, references);
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(points)}\n`);
    return;
  }
  const parts: string[] = [];
  for (const h of ['heldout', 'tuning'] as const) {
    const these = points.filter((p) => p.half === h);
    if (these.length > 0) parts.push(renderFamily(these, h === 'heldout' ? 'Held-out half (never tuned on)' : 'Tuning half'));
  }
  process.stdout.write(`${parts.join('\n\n')}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
