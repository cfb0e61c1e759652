/**
 * The `memoize` import of a Python file: how the file refers to the runtime's memoize, where a new
 * `from cachelens import memoize` goes, and how "Remove caching" takes it out again so that cache
 * then uncache is the identity.
 */
import { applyEdits } from '../edits.js';
import type { TextEdit } from '../types.js';
import type { Node, PythonGrammar } from './grammar.js';

/** One way the file names the runtime's memoize. */
export interface MemoizeBinding {
  /** What a decorator writes: `memoize`, `cachelens_memoize`, `cachelens.memoize`. */
  readonly ref: string;
  /** `from cachelens import memoize [as x]`: the statement and its name element; absent for `import cachelens`. */
  readonly statement?: Node;
  readonly element?: Node;
}

export interface ImportInfo {
  /** Every decorator name that means the runtime's memoize. */
  readonly memoizeRefs: ReadonlySet<string>;
  readonly bindings: readonly MemoizeBinding[];
  /** The first module-level `from cachelens import a, b` (not `*`), where memoize can be merged in. */
  readonly fromCachelens: Node | undefined;
  /** Decorator names that are functools' own caches (`lru_cache`, `functools.cache`, aliases). */
  readonly functoolsCaches: ReadonlySet<string>;
  /** Decorator names that are cachetools' caches (`cached`, `cachetools.cachedmethod`, `cachetools.func.ttl_cache`, aliases). */
  readonly cachetoolsCaches: ReadonlySet<string>;
}

const CACHETOOLS_DECORATORS = ['cached', 'cachedmethod'];
const CACHETOOLS_FUNC_DECORATORS = ['fifo_cache', 'lfu_cache', 'lru_cache', 'mru_cache', 'rr_cache', 'ttl_cache'];

const FUNCTOOLS_CACHES = ['lru_cache', 'cache'];

function elementParts(element: Node): { name: string; alias: string | undefined } {
  if (element.type === 'aliased_import') {
    return { name: element.childForFieldName('name')?.text ?? '', alias: element.childForFieldName('alias')?.text };
  }
  return { name: element.text, alias: undefined };
}

/** Reads the file's imports of cachelens and functools (anywhere: a conditional import counts too). */
export function readImports(root: Node): ImportInfo {
  const bindings: MemoizeBinding[] = [];
  const functoolsCaches = new Set<string>(['lru_cache', 'functools.lru_cache', 'functools.cache']);
  const cachetoolsCaches = new Set<string>();
  let fromCachelens: Node | undefined;
  for (const statement of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (!statement) continue;
    const names = statement.childrenForFieldName('name').filter((n): n is Node => n !== null);
    if (statement.type === 'import_statement') {
      for (const element of names) {
        const { name, alias } = elementParts(element);
        if (name === 'cachelens') bindings.push({ ref: `${alias ?? 'cachelens'}.memoize` });
        if (name === 'functools') for (const f of FUNCTOOLS_CACHES) functoolsCaches.add(`${alias ?? 'functools'}.${f}`);
        if (name === 'cachetools') for (const f of CACHETOOLS_DECORATORS) cachetoolsCaches.add(`${alias ?? 'cachetools'}.${f}`);
        if (name === 'cachetools' || name === 'cachetools.func') {
          for (const f of CACHETOOLS_FUNC_DECORATORS) cachetoolsCaches.add(`${alias ?? 'cachetools.func'}.${f}`);
        }
      }
      continue;
    }
    const module = statement.childForFieldName('module_name')?.text;
    if (module === 'cachelens') {
      if (!fromCachelens && statement.parent?.type === 'module' && names.length > 0) fromCachelens = statement;
      for (const element of names) {
        const { name, alias } = elementParts(element);
        if (name === 'memoize') bindings.push({ ref: alias ?? name, statement, element });
      }
    }
    if (module === 'functools') {
      for (const element of names) {
        const { name, alias } = elementParts(element);
        if (FUNCTOOLS_CACHES.includes(name)) functoolsCaches.add(alias ?? name);
      }
    }
    if (module === 'cachetools' || module === 'cachetools.func') {
      for (const element of names) {
        const { name, alias } = elementParts(element);
        if (name === 'func') for (const f of CACHETOOLS_FUNC_DECORATORS) cachetoolsCaches.add(`${alias ?? name}.${f}`);
        else if ([...CACHETOOLS_DECORATORS, ...CACHETOOLS_FUNC_DECORATORS].includes(name)) cachetoolsCaches.add(alias ?? name);
      }
    }
  }
  return { memoizeRefs: new Set(bindings.map((b) => b.ref)), bindings, fromCachelens, functoolsCaches, cachetoolsCaches };
}

/** Identifiers named `name` used as a variable (not an attribute after a dot, not a keyword argument's name), outside `except` nodes. */
function uses(root: Node, name: string, except: readonly Node[]): number {
  let count = 0;
  for (const id of root.descendantsOfType('identifier')) {
    if (!id || id.text !== name) continue;
    const parent = id.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.equals(id)) continue;
    if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.equals(id)) continue;
    if (except.some((e) => id.startIndex >= e.startIndex && id.endIndex <= e.endIndex)) continue;
    count++;
  }
  return count;
}

/** Offset of the start of the line after the one holding `offset` (the text's length on the last line). */
function nextLineStart(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end + 1;
}

const lineStartOf = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

const HEADER_LINE = /^(#!.*|[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+.*)$/;

function isDocstring(statement: Node): boolean {
  return statement.type === 'expression_statement' && statement.namedChildCount === 1 && statement.namedChildren[0]?.type === 'string';
}

const IMPORTS = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

/**
 * Where `from cachelens import memoize` goes and how decorators then name memoize:
 * - the file already imports it (`from cachelens import memoize [as x]`, `import cachelens [as cl]`): reused, no edit;
 * - a module-level `from cachelens import ...` exists: `, memoize` after its last name;
 * - else a new line after the last import of the file's leading imports (after the docstring and the
 *   `from __future__` imports), or, with no import there, above the first statement (and the comments
 *   attached to it), after the shebang, the encoding line and the docstring, followed by a blank line.
 * When `memoize` is already a name of the file from elsewhere, the runtime's is `cachelens_memoize`.
 */
export function planImport(root: Node, text: string, info: ImportInfo, eol: string): { binding: string; edits: TextEdit[] } {
  const existing = info.bindings.find((b) => b.statement?.parent?.type === 'module') ?? info.bindings[0];
  if (existing) return { binding: existing.ref, edits: [] };
  const taken =
    /\bmemoize\b/.test(text) &&
    (uses(root, 'memoize', []) > 0 || root.descendantsOfType('function_definition').some((f) => f?.childForFieldName('name')?.text === 'memoize'));
  const binding = taken ? 'cachelens_memoize' : 'memoize';
  const spec = taken ? 'memoize as cachelens_memoize' : 'memoize';
  if (info.fromCachelens) {
    const names = info.fromCachelens.childrenForFieldName('name').filter((n): n is Node => n !== null);
    const last = names[names.length - 1]!;
    const statementText = info.fromCachelens.text;
    if (!statementText.includes('(') || !statementText.includes('\n')) {
      return { binding, edits: [{ start: last.endIndex, end: last.endIndex, newText: `, ${spec}` }] };
    }
    // One name a line: on a line of its own, like the others, keeping the trailing comma if there is one.
    const indent = text.slice(lineStartOf(text, last.startIndex), last.startIndex);
    const comma = /^[ \t]*,/.exec(text.slice(last.endIndex));
    return comma
      ? { binding, edits: [{ start: last.endIndex + comma[0].length, end: last.endIndex + comma[0].length, newText: `${eol}${indent}${spec},` }] }
      : { binding, edits: [{ start: last.endIndex, end: last.endIndex, newText: `,${eol}${indent}${spec}` }] };
  }
  return { binding, edits: [newImportLine(root, text, `from cachelens import ${spec}`, eol)] };
}

/**
 * The edit that adds the import `statement` on a line of its own: after the last import of the
 * file's leading imports (after the docstring and the `from __future__` imports), or, with no import
 * there, above the first statement (and the comments attached to it), after the shebang, the
 * encoding line and the docstring, followed by a blank line.
 */
export function newImportLine(root: Node, text: string, statement: string, eol: string): TextEdit {
  const top = root.namedChildren.filter((n): n is Node => n !== null);
  let lastImport: Node | undefined;
  let docstring: Node | undefined;
  let first: Node | undefined;
  for (const [i, node] of top.entries()) {
    if (node.type === 'comment') continue;
    if (!lastImport && !docstring && isDocstring(node) && top.slice(0, i).every((n) => n.type === 'comment')) {
      docstring = node;
      continue;
    }
    if (IMPORTS.has(node.type)) {
      lastImport = node;
      continue;
    }
    first = node;
    break;
  }
  if (lastImport) {
    const at = nextLineStart(text, lastImport.endIndex);
    const lead = at === text.length && !text.endsWith('\n') ? eol : '';
    return { start: at, end: at, newText: `${lead}${statement}${eol}` };
  }
  // No import: above the first statement and the comment lines attached to it, below the header.
  let floor = docstring ? nextLineStart(text, docstring.endIndex) : 0;
  if (!docstring) {
    for (let line = 0; line < 2; line++) {
      const end = text.indexOf('\n', floor);
      const lineText = text.slice(floor, end === -1 ? text.length : end).replace(/\r$/, '');
      if (!HEADER_LINE.test(lineText) || (line === 1 && !/coding[:=]/.test(lineText))) break;
      floor = end === -1 ? text.length : end + 1;
    }
  }
  let at = first ? lineStartOf(text, first.startIndex) : text.length;
  while (at > floor) {
    const previous = lineStartOf(text, at - 1);
    if (!/^[ \t\f]*#/.test(text.slice(previous, at))) break;
    at = previous;
  }
  at = Math.max(at, floor);
  // After a docstring followed by a blank line: docstring, blank line, import (the blank lines that
  // were there stay between the import and the code).
  if (docstring && at > floor && /^[ \t\f]*\r?$/.test(text.slice(floor, nextLineStart(text, floor)).replace(/\n$/, ''))) {
    return { start: floor, end: floor, newText: `${eol}${statement}${eol}` };
  }
  // Two blank lines before a def or class (PEP 8), one before other code.
  const definition = first !== undefined && ['function_definition', 'class_definition', 'decorated_definition'].includes(first.type);
  return { start: at, end: at, newText: `${statement}${eol}${eol}${definition ? eol : ''}` };
}

/**
 * The edits that take the memoize import out once `removal` (the decorator) is applied, when
 * nothing else in the file uses the binding. A name merged into a longer import goes alone; a
 * statement of its own goes with its line, and with the blank line after it when `planImport`
 * would have written that blank line (so cache then uncache is the identity).
 */
export function planImportRemoval(grammar: PythonGrammar, root: Node, text: string, binding: MemoizeBinding, decorator: Node, eol: string, removal: TextEdit): TextEdit[] {
  const { statement, element } = binding;
  if (!statement || !element || statement.parent?.type !== 'module') return [];
  if (uses(root, binding.ref, [statement, decorator]) > 0) return [];
  const names = statement.childrenForFieldName('name').filter((n): n is Node => n !== null);
  const index = names.findIndex((n) => n.equals(element));
  if (names.length > 1) {
    return index > 0
      ? [{ start: names[index - 1]!.endIndex, end: element.endIndex, newText: '' }]
      : [{ start: element.startIndex, end: names[1]!.startIndex, newText: '' }];
  }
  const start = lineStartOf(text, statement.startIndex);
  const lineEnd = nextLineStart(text, statement.endIndex);
  // The line, with up to two blank lines after it or one before it: the one that planImport would
  // write back is the one it wrote.
  const blankAfter = /^(?:[ \t\f]*\r?\n){0,2}/.exec(text.slice(lineEnd))![0];
  const afterEnds = [...blankAfter.matchAll(/\n/g)].map((m) => lineEnd + m.index + 1).reverse();
  const previousLine = start > 0 ? lineStartOf(text, start - 1) : start;
  const blankBefore = start > 0 && /^[ \t\f]*\r?\n$/.test(text.slice(previousLine, start));
  const candidates: TextEdit[] = [
    ...afterEnds.map((end) => ({ start, end, newText: '' })),
    ...(blankBefore ? [{ start: previousLine, end: lineEnd, newText: '' }] : []),
    { start, end: lineEnd, newText: '' },
  ];
  const withoutDecorator = applyEdits(text, [removal]);
  for (const candidate of candidates) {
    const after = applyEdits(text, [candidate, removal]);
    const tree = grammar.parse(after);
    try {
      const again = planImport(tree.rootNode, after, readImports(tree.rootNode), eol);
      if (applyEdits(after, again.edits) === withoutDecorator) return [candidate];
    } finally {
      tree.delete();
    }
  }
  return [candidates[candidates.length - 1]!];
}
