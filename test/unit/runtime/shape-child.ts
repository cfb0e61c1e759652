// Run by memoize.test.ts in a child process started with --allow-natives-syntax: prints, for
// functions of many names and lengths, whether the memoized function kept fast (non-dictionary)
// properties. Setting `name` or `length` on a function afterwards makes them a dictionary
// (~300 bytes more per memoized function), so the call path is compiled with them.
import { memoize } from '../../../runtime/src/index.js';

const hasFastProperties = new Function('f', 'return %HasFastProperties(f)') as (f: unknown) => boolean;
const named = (name: string, length: number): ((...args: unknown[]) => unknown) =>
  Object.defineProperty(Object.defineProperty(function () { return 1; }, 'name', { value: name }), 'length', { value: length });

const cases: [string, number][] = [
  ['getUser', 1], ['s', 1], ['g', 2], ['f', 1], ['n', 0], ['t', 3], ['a', 2], ['arguments', 1], ['bound f', 1], ['größe', 1],
  ['get x', 0], ['', 1], ['__proto__', 1], ['constructor', 2], ['x'.repeat(200), 8],
];
const out: Record<string, boolean> = {};
for (const [name, length] of cases) {
  const m = memoize(named(name, length));
  m(1);
  out[`${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…` : name)}/${length}`] = hasFastProperties(m) && m.name === name && m.length === length;
}
process.stdout.write(JSON.stringify(out));
