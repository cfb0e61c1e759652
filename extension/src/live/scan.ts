/**
 * Finding cached functions in source text by the `id` option the codemod writes
 * (`id: "src/prices.ts#getPrices"`). Pure (no vscode): the inline hints and the panel's empty
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

const ID_OPTION = /\bid\s*:\s*(["'`])([^"'`\r\n]+#[^"'`\r\n]+)\1/g;
const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const MAX_LOOKBACK = 20_000;

/** Every cached function id in `text`, with the line its hint belongs on. */
export function findCachedFunctions(text: string): CachedFunctionMatch[] {
  const found: CachedFunctionMatch[] = [];
  for (const match of text.matchAll(ID_OPTION)) {
    const offset = match.index;
    const call = callOpening(text, offset);
    found.push({ id: match[2]!, idLine: toLineCharacter(text, offset).line, line: toLineCharacter(text, call ?? offset).line });
  }
  return found;
}

/**
 * Walks back from the `id` option to the bracket that opens the call holding the options object:
 * the first unbalanced opener is the options' `{`, the second is the call's `(` (of `memoize(` or
 * `@memoize(`). Returns that `(`'s offset, or undefined when the shape is not a call.
 */
function callOpening(text: string, from: number): number | undefined {
  const stack: string[] = [];
  let unbalanced = 0;
  const stop = Math.max(0, from - MAX_LOOKBACK);
  for (let i = from - 1; i >= stop; i--) {
    const c = text[i]!;
    if (c in OPENERS) stack.push(OPENERS[c]!);
    else if (c === '(' || c === '[' || c === '{') {
      if (stack.length > 0) stack.pop();
      else if (++unbalanced === 2) return c === '(' ? i : undefined;
    }
  }
  return undefined;
}
