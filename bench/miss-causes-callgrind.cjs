// Instruction counts of the miss classification's cost, independent of the machine's load: one
// workload (`hit`: 100 cached keys; `miss90`: 10% of calls on 100 hot keys, 90% on 100,000 keys
// through a cache of 1,000) run CALLS times after a 200,000-call warm-up, under callgrind:
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/miss-causes-callgrind.cjs BUILD/dist/cjs/index.js miss90 100000
// Run it at two CALLS for each build; (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost per call
// (start-up and warm-up cancel out). BUILD: this tree's runtime, or a baseline's (see compare-miss-causes.mjs).
const [,, build, kase, calls] = process.argv;
const { memoize } = require(build);
const oneNumber = (x) => x * 2 + 1;
let sink = 0;
const N = Number(calls);
if (kase === 'hit') {
  const f = memoize(oneNumber, { id: 'h' });
  for (let k = 0; k < 100; k++) f(k);
  for (let i = 0; i < 200000; i++) sink += f(i % 100); // warm-up, same in both runs
  for (let i = 0; i < N; i++) sink += f(i % 100);
} else {
  const f = memoize(oneNumber, { id: 'm', max: 1000 });
  let cold = 0;
  const run = (n) => { for (let i = 0; i < n; i++) { if (i % 10 === 0) sink += f(i % 100); else { cold = cold === 99999 ? 0 : cold + 1; sink += f(1000 + cold); } } };
  run(200000);
  run(N);
}
if (sink < 0) console.log(sink);
