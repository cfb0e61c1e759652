/**
 * "Watch this cache" for a function that `functools.lru_cache` / `functools.cache` already caches:
 * no rewrite of the function, one line after it, `cachelens.watch(name)`, which lets the runtime
 * report the cache's hits and misses (from `cache_info()`) to the panel. Adds `import cachelens`
 * when the file has none. Pure: text in, edits out; applying it twice changes nothing.
 */
import { normalizeEdits } from '../edits.js';
import { refuse, type AnalyzeInput, type Refusal, type TextEdit } from '../types.js';
import { decoratorName, eolAt, locateAt } from './codemod.js';
import type { Node, PythonGrammar } from './grammar.js';
import { newImportLine } from './imports.js';

/** What "Watch this cache" changes: the source edits (none when the cache is already watched). */
export interface WatchSuccess {
  readonly ok: true;
  readonly edits: { readonly source: readonly TextEdit[] };
  /** The watched function as the line names it (`get_rates`, `Units.to_cents`). */
  readonly name: string;
  /** The functools decorator found (`lru_cache`, `functools.cache`). */
  readonly decorator: string;
  readonly change: 'created' | 'unchanged';
}

export type WatchResult = WatchSuccess | Refusal;

const nextLineStart = (text: string, offset: number): number => {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end + 1;
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name that module-level code calls the runtime by: `cachelens`, or the alias of `import cachelens as x`; undefined when the file does not import the module. */
function moduleBinding(root: Node): string | undefined {
  for (const statement of root.namedChildren) {
    if (statement?.type !== 'import_statement') continue;
    for (const element of statement.childrenForFieldName('name')) {
      if (!element) continue;
      if (element.type === 'dotted_name' && element.text === 'cachelens') return 'cachelens';
      if (element.type === 'aliased_import' && element.childForFieldName('name')?.text === 'cachelens') return element.childForFieldName('alias')?.text;
    }
  }
  return undefined;
}

/**
 * Adds `cachelens.watch(<qualified name>)` after the module-level statement that defines the
 * function under the cursor (the def, or the class of a method), separated by two blank lines, and
 * `import cachelens` with the file's leading imports when it is not imported as a module. Refused
 * (nothing edited) for a function without a functools cache (`not-functools-cache`: use "Cache
 * this function"), a nested one, and a file with a syntax error.
 */
export function pythonWatchFunction(grammar: PythonGrammar, input: AnalyzeInput): WatchResult {
  const { text } = input;
  const tree = grammar.parse(text);
  try {
    const root = tree.rootNode;
    const found = locateAt(input, root);
    if ('ok' in found) return found;
    const { located, imports } = found;
    const decorator = located.decorators.map(decoratorName).find((name) => imports.functoolsCaches.has(name));
    if (decorator === undefined) {
      return refuse(
        'not-functools-cache',
        `${located.qualname} has no functools cache (@lru_cache or @cache) to watch: use "Cache this function" to cache it with CacheLens.`,
      );
    }
    let statement: Node = located.decorated ?? located.fn;
    while (statement.parent && statement.parent.type !== 'module') statement = statement.parent;
    const eol = eolAt(text, located.fn.startIndex);
    const binding = moduleBinding(root);
    const call = `${binding ?? 'cachelens'}.watch(${located.qualname})`;
    const result = { name: located.qualname, decorator };
    if (new RegExp(`^${escape(binding ?? 'cachelens')}\\.watch\\(\\s*${escape(located.qualname)}\\s*\\)`, 'm').test(text)) {
      return { ok: true, edits: { source: [] }, ...result, change: 'unchanged' };
    }
    const at = nextLineStart(text, statement.endIndex);
    const lead = at === text.length && !text.endsWith('\n') ? eol : '';
    const edits: TextEdit[] = [{ start: at, end: at, newText: `${lead}${eol}${eol}${call}${eol}` }];
    if (binding === undefined) edits.push(newImportLine(root, text, 'import cachelens', eol));
    return { ok: true, edits: { source: normalizeEdits(text, edits) }, ...result, change: 'created' };
  } finally {
    tree.delete();
  }
}
