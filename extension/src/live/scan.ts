/**
 * Finding cached functions in source text by the `id` option the codemod writes
 * (`id: "src/prices.ts#getPrices"` in TypeScript and JavaScript, `id="app.py#get_sales"` in a
 * Python `@memoize(...)`). Pure (no vscode): the inline hints and the panel's empty
 * state both use it, and it is tested under plain Node.
 */
import { toLineCharacter } from '../../codemod/src/edits.js';

export interface CachedFunctionMatch {
  id: string;
  /** 0-based line where the hint goes: the line that opens the `memoize(` call or `@memoize(` decorator. */
  line: number;
  /** 0-based line of the `id` option itself. */
  idLine: number;
}

// `id: "..."` (an options object) or `id="..."` (a Python keyword argument).
const ID_OPTION = /\bid\s*([:=])\s*(["'`])([^"'`\r\n]+#[^"'`\r\n]+)\2/g;
const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const MAX_LOOKBACK = 20_000;

/** Every cached function id in `text`, with the line its hint belongs on. */
export function findCachedFunctions(text: string): CachedFunctionMatch[] {
  const found: CachedFunctionMatch[] = [];
  for (const match of text.matchAll(ID_OPTION)) {
    const offset = match.index;
    const keyword = match[1] === '=';
    // A keyword argument is a direct argument of the call; only memoize's counts (not html.Div(id="a#b")).
    const call = callOpening(text, offset, keyword ? 1 : 2);
    if (keyword && (call === undefined || !/\bmemoize\s*$/.test(text.slice(Math.max(0, call - 100), call)))) continue;
    found.push({ id: match[3]!, idLine: toLineCharacter(text, offset).line, line: toLineCharacter(text, call ?? offset).line });
  }
  return found;
}

/**
 * Walks back from the `id` option to the bracket that opens the call holding it: for an options
 * object (`depth` 2) the first unbalanced opener is the options' `{`, the second the call's `(` (of
 * `memoize(` or `@memoize(`); for a keyword argument (`depth` 1) the first is the call's `(`.
 * Returns that `(`'s offset, or undefined when the shape is not a call.
 */
function callOpening(text: string, from: number, depth: 1 | 2): number | undefined {
  const stack: string[] = [];
  let unbalanced = 0;
  const stop = Math.max(0, from - MAX_LOOKBACK);
  for (let i = from - 1; i >= stop; i--) {
    const c = text[i]!;
    if (c in OPENERS) stack.push(OPENERS[c]!);
    else if (c === '(' || c === '[' || c === '{') {
      if (stack.length > 0) stack.pop();
      else if (++unbalanced === depth) return c === '(' ? i : undefined;
    }
  }
  return undefined;
}
