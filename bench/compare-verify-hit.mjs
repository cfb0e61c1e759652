// The hit path of two builds of the runtime side by side in one process (interleaved rounds, the
// order flipped every round, medians): a base build, the same base again (the noise floor), and
// the build under test with `verify` off and at 0.01. For changes to the hit path: ratios in one
// run, not absolute figures from separate runs.
//
// Usage: node bench/compare-verify-hit.mjs BASE/runtime/dist/esm/index.mjs runtime/dist/esm/index.mjs
// (BASE: a build of the commit to compare with, e.g. `git archive REV | tar -x -C /tmp/base`,
// then `npm run build -w cachelens` there with node_modules linked).
const [baseDist, newDist] = process.argv.slice(2).map((p) => new URL(p, `file://${process.cwd()}/`).href);
const base = (await import(baseDist)).memoize;
const next = (await import(newDist)).memoize;
const CALLS = 2_000_000, ROUNDS = 9, DISTINCT = 100;
const nums = Array.from({ length: DISTINCT }, (_, i) => i);
const strs = Array.from({ length: DISTINCT }, (_, i) => ['k' + i, 'v' + (i % 7)]);
const objs = Array.from({ length: DISTINCT }, (_, i) => ({ id: i, kind: 'x' }));
const cases = {
  oneNumber: [(m, o) => m((x) => x * 2 + 1, o), (f) => { let s = 0; for (let i = 0; i < CALLS; i++) s += f(nums[i % DISTINCT]); return s; }],
  twoStrings: [(m, o) => m((a, b) => a.length * 31 + b.length, o), (f) => { let s = 0; for (let i = 0; i < CALLS; i++) { const p = strs[i % DISTINCT]; s += f(p[0], p[1]); } return s; }],
  oneObject: [(m, o) => m((o2) => o2.id * 2, o), (f) => { let s = 0; for (let i = 0; i < CALLS; i++) s += f(objs[i % DISTINCT]); return s; }],
};
const variants = { base: [base, undefined], 'base again': [base, undefined], 'verify off': [next, undefined], 'verify 0.01': [next, { verify: 0.01 }] };
for (const [name, [make, run]] of Object.entries(cases)) {
  const fns = {};
  for (const [v, [m, o]] of Object.entries(variants)) { fns[v] = make(m, o); run(fns[v]); }
  const times = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let r = 0; r < ROUNDS; r++) for (const v of (r % 2 ? Object.keys(variants).reverse() : Object.keys(variants))) {
    const t0 = process.hrtime.bigint(); run(fns[v]); times[v].push(Number(process.hrtime.bigint() - t0) / CALLS);
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const b = med(times.base);
  console.log(name, Object.entries(times).map(([v, t]) => `${v} ${med(t).toFixed(1)} ns (${(med(t) / b).toFixed(3)}x)`).join(' | '));
}
