// Run by memoize.test.ts in a process of its own (with and without code generation from
// strings): for each shape of arguments the call path keys, how many stack frames one level of a
// memoized function that calls itself takes (the function's own included), read off a stack
// trace at the bottom of a recursion. Prints {shape: frames per level}.
import { memoize } from '../../../runtime/src/index.js';

Error.stackTraceLimit = 100;
/**
 * Frames between two consecutive frames of the memoized function (`down`, defined in this file) in
 * a stack trace taken at the bottom. (The call path carries the name `down` too, from elsewhere.)
 */
function framesPerLevel(stack: string): number {
  const lines = stack.split('\n').slice(1);
  const at = lines.flatMap((line, i) => (/\bdown \(/.test(line) && line.includes('recursion-child.ts') && !line.includes('eval at') ? [i] : []));
  return at.length >= 3 ? at[2]! - at[1]! : -1;
}

let seen = '';
const shapes: Record<string, () => void> = {
  oneNumber: () => {
    const f = memoize(function down(n: number): number { if (n === 0) { seen = new Error().stack!; return 0; } return 1 + f(n - 1); });
    f(5);
  },
  twoStrings: () => {
    const f = memoize(function down(n: string, m: string): number { if (n === '0') { seen = new Error().stack!; return 0; } return 1 + f(String(Number(n) - 1), m); });
    f('5', 'x');
  },
  twoNumbers: () => {
    const f = memoize(function down(n: number, m: number): number { if (n === 0) { seen = new Error().stack!; return 0; } return 1 + f(n - 1, m); });
    f(5, 7);
  },
  object: () => {
    const f = memoize(function down(o: { n: number }): number { if (o.n === 0) { seen = new Error().stack!; return 0; } return 1 + f({ n: o.n - 1 }); });
    f({ n: 5 });
  },
  three: () => {
    const f = memoize(function down(n: number, s: string, o: object): number { if (n === 0) { seen = new Error().stack!; return 0; } return 1 + f(n - 1, s, o); });
    f(5, 's', { k: 1 });
  },
  five: () => {
    const f = memoize(function down(n: number, a: number, b: number, c: number, d: number): number { if (n === 0) { seen = new Error().stack!; return 0; } return 1 + f(n - 1, a, b, c, d); });
    f(5, 1, 2, 3, 4);
  },
};

const out: Record<string, number> = {};
for (const [shape, run] of Object.entries(shapes)) {
  run();
  out[shape] = framesPerLevel(seen);
}
process.stdout.write(JSON.stringify(out));
