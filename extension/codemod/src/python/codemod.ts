/**
 * "Cache this function", "Change cache settings" and "Remove caching" for Python source: pure
 * functions from text to edits over tree-sitter's Python grammar (grammar.ts). The decorator
 * written is the Python runtime's `@memoize(backend=..., ttl=..., max=..., id=...)`, placed closest
 * to the `def` (below `@app.route(...)`, `@staticmethod` and the like, so a framework registers the
 * cached function), and `from cachelens import memoize` after the module docstring, the
 * `from __future__` imports and the file's leading imports (merged into an existing
 * `from cachelens import ...`). Everything else in the file is left byte for byte as it was.
 */
import { planConfig } from '../config.js';
import { normalizeEdits, toOffset, toLineCharacter } from '../edits.js';
import { validateOptions } from '../options.js';
import {
  refuse,
  type AnalyzeInput,
  type AnalyzeResult,
  type CacheInput,
  type CacheOptions,
  type CacheResult,
  type ExistingOptions,
  type Refusal,
  type Target,
  type TextEdit,
  type UncacheInput,
  type UncacheResult,
} from '../types.js';
import type { Node, PythonGrammar } from './grammar.js';
import { syntaxProblem } from './syntax.js';
import { planImport, planImportRemoval, readImports, type ImportInfo } from './imports.js';

/** What "Cache this function" needs for a Python file: the TypeScript input without the fields that concern npm and decorator flavours. */
export type PythonCacheInput = Omit<CacheInput, 'flavour' | 'packageJson' | 'runtimeVersion' | 'runtimeSource' | 'runtimeResolves'> & {
  readonly flavour?: CacheInput['flavour'];
};

export { PYTHON_EXTENSIONS } from '../source-files.js';

export function isPythonFile(fileName: string): boolean {
  return fileName.toLowerCase().endsWith('.py');
}

/** Decorators that make a method an accessor (refused: code `accessor`). */
const PROPERTY_DECORATORS = new Set(['property', 'cached_property', 'functools.cached_property', 'abstractproperty', 'abc.abstractproperty']);
const ABSTRACT_DECORATORS = new Set(['abstractmethod', 'abc.abstractmethod']);
const OVERLOAD_DECORATORS = new Set(['overload', 'typing.overload', 'typing_extensions.overload']);

/** Function-like scopes: a definition inside one of them is not reachable at module level. */
const SCOPES = new Set(['function_definition', 'lambda']);

export interface Located {
  readonly fn: Node;
  /** The decorated_definition around `fn`, when it has decorators. */
  readonly decorated: Node | undefined;
  readonly decorators: readonly Node[];
  readonly name: string;
  readonly qualname: string;
  readonly isMethod: boolean;
  /** The CacheLens decorator already on the function. */
  readonly cached: Node | undefined;
}

interface Prepared {
  readonly text: string;
  readonly root: Node;
  readonly imports: ImportInfo;
  readonly located: Located;
  readonly target: Target;
  readonly eol: '\n' | '\r\n';
}

/** The source text of a decorator's expression without its arguments (`app.route`, `functools.lru_cache`), spaces removed. */
export function decoratorName(decorator: Node): string {
  const expression = decorator.namedChildren.find((c) => c.type !== 'comment');
  if (!expression) return '';
  const callee = expression.type === 'call' ? expression.childForFieldName('function') : expression;
  return (callee?.text ?? '').replace(/\s+/g, '');
}

/** The line ending of the line holding `offset`, else the file's first, else `\n`. */
export function eolAt(text: string, offset: number): '\n' | '\r\n' {
  const end = text.indexOf('\n', offset);
  if (end > 0) return text[end - 1] === '\r' ? '\r\n' : '\n';
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

const lineStartOf = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

/** Moves an offset that sits on blanks to the next non-blank character of its line (the indentation in front of a `def`). */
function skipBlanks(text: string, offset: number): number {
  let at = offset;
  while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\f')) at++;
  return at < text.length && text[at] !== '\n' && text[at] !== '\r' ? at : offset;
}

function definitionOf(decorated: Node): Node | null {
  return decorated.childForFieldName('definition');
}

/** Whether `yield` occurs in the function's own body (not in a nested function, lambda or class). */
function yields(fn: Node): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  const stack: Node[] = [...body.namedChildren];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'yield') return true;
    if (node.type === 'function_definition' || node.type === 'lambda' || node.type === 'class_definition') continue;
    stack.push(...node.namedChildren);
  }
  return false;
}

function isDunder(name: string): boolean {
  return name.length > 4 && name.startsWith('__') && name.endsWith('__');
}

/**
 * A cursor on the comment lines right above a definition (no blank line between) means that
 * definition: the offset of its first line's first non-blank character; else the offset itself.
 */
function belowComments(text: string, offset: number): number {
  let lineStart = lineStartOf(text, offset);
  let moved = false;
  for (;;) {
    const lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    if (/^[ \t\f]*#/.test(line) && lineEnd !== -1) {
      lineStart = lineEnd + 1;
      moved = true;
      continue;
    }
    const code = /^[ \t\f]*(?=@|def\b|async[ \t]+def\b)/.exec(line);
    return moved && code ? lineStart + code[0].length : offset;
  }
}

/** Finds the function under the cursor, or the refusal that its place (not its form) calls for. */
export function locate(root: Node, text: string, offset: number, imports: ImportInfo): Located | Refusal {
  const start = belowComments(text, skipBlanks(text, offset));
  const node: Node | null = root.descendantForIndex(start, start);
  let fn: Node | undefined;
  let sawLambda = false;
  for (let n = node; n; n = n.parent) {
    if (n.type === 'lambda') sawLambda = true;
    if (n.type === 'function_definition') {
      fn = n;
      break;
    }
    if (n.type === 'decorated_definition') {
      const definition = definitionOf(n);
      if (definition?.type === 'function_definition') {
        fn = definition;
        break;
      }
    }
  }
  if (!fn) {
    // A module-level `square = lambda x: ...` with the cursor on its name: say what the form is.
    let statement = node;
    while (statement?.parent && statement.parent.type !== 'module' && statement.parent.type !== 'block') statement = statement.parent;
    if (sawLambda || (statement && statement.type !== 'module' && statement.descendantsOfType('lambda').length > 0)) {
      return refuse(
        'lambda',
        'a lambda cannot be cached: it has no name to give its cache an id and no line to put a decorator on. Write it as a def (def square(x): return x * x), then cache that.',
      );
    }
    return refuse('no-target', 'The cursor is not inside a function or method: put it on the name, a decorator or the body of the def to cache.');
  }
  const name = fn.childForFieldName('name')?.text ?? '';
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  const decorators = decorated ? decorated.namedChildren.filter((c) => c.type === 'decorator') : [];

  const classes: string[] = [];
  let isMethod = false;
  for (let n: Node | null = fn.parent; n; n = n.parent) {
    if (SCOPES.has(n.type)) {
      const outer = n.type === 'lambda' ? 'a lambda' : `${n.childForFieldName('name')?.text ?? '?'}()`;
      const inClass = classes.length > 0 ? `a method of class ${classes[0]}, which is defined inside ${outer}` : `defined inside ${outer} (a nested function or closure)`;
      return refuse(
        'not-module-level',
        `${[...classes, name].join('.')} is ${inClass}: every call of ${outer} makes a new function with an empty cache. Move it to module level (or into a module-level class), then cache it.`,
      );
    }
    if (n.type === 'class_definition') {
      if (classes.length === 0) isMethod = true;
      classes.unshift(n.childForFieldName('name')?.text ?? '?');
    }
  }
  const qualname = [...classes, name].join('.');
  const cached = decorators.find((d) => imports.memoizeRefs.has(decoratorName(d)));
  return { fn, decorated, decorators, name, qualname, isMethod, cached };
}

/** Refusals that depend on the function's form (checked after `locate`, skipped for a function CacheLens already caches: it can still be edited or removed). */
function formRefusal(located: Located, imports: ImportInfo): Refusal | undefined {
  const { name, qualname, decorators } = located;
  for (const decorator of decorators) {
    const decoratorText = decoratorName(decorator);
    if (/(^|\.)cached_property$/.test(decoratorText)) {
      return refuse(
        'accessor',
        `${qualname} is a @${decoratorText}: its value is already computed once per instance and kept on it, and an attribute has no arguments to key a cache by. To share results across instances, cache a method or function it calls.`,
      );
    }
    if (PROPERTY_DECORATORS.has(decoratorText) || /\.(setter|getter|deleter)$/.test(decoratorText)) {
      return refuse(
        'accessor',
        `${qualname} is a property (@${decoratorText}): an attribute access, not a call with arguments, so a cache keyed by arguments does not fit it. For a value computed once per instance use functools.cached_property; to share results across instances, cache a method or function it calls.`,
      );
    }
    if (imports.cachetoolsCaches.has(decoratorText) || /\.(memoize|cached)$/.test(decoratorText)) {
      const library = imports.cachetoolsCaches.has(decoratorText) ? 'cachetools' : 'Flask-Caching or a cache of its own';
      return refuse(
        'cache-decorator',
        `${qualname} is already cached by @${decoratorText} (${library}): a second cache in front of it would hide its hits and keep two copies. Use "Watch this cache" to see it in the panel, or remove @${decoratorText} first and cache it with CacheLens.`,
      );
    }
    if (imports.functoolsCaches.has(decoratorText)) {
      return refuse(
        'functools-cache',
        `${qualname} is already cached by functools (@${decoratorText}): use "Watch this cache" instead: no rewrite needed (its hits and misses show in the panel as it is).`,
      );
    }
    if (OVERLOAD_DECORATORS.has(decoratorText)) {
      return refuse('overload-signature', `this ${qualname} is an @overload signature, not the implementation: put the cursor on the def without @overload.`);
    }
    if (ABSTRACT_DECORATORS.has(decoratorText)) {
      return refuse('abstract', `${qualname} is an @abstractmethod: it has no body to cache. Cache the implementation in a subclass.`);
    }
  }
  if (name === '__init__' || name === '__new__') {
    return refuse('dunder', `${qualname} is a constructor (${name}): it builds an object and returns nothing to reuse. Cache the method or function that computes the value instead.`);
  }
  if (isDunder(name)) {
    return refuse(
      'dunder',
      `${qualname} is a special method (${name}): Python calls it implicitly (operators, the data model), and caching it changes how the objects behave. Cache a regular method or function it calls instead.`,
    );
  }
  if (yields(located.fn)) {
    return refuse(
      'generator',
      `${qualname} is a generator (yield in its body): a cache would hand out the same generator, which can be iterated only once. Cache a function that returns a list or tuple instead.`,
    );
  }
  return undefined;
}

/** Reads a Python literal written in an existing decorator: strings without prefixes or escapes, ints, floats. */
function literal(node: Node): string | number | undefined {
  if (node.type === 'string') {
    const match = /^(["'])([^"'\\\n]*)\1$/.exec(node.text);
    return match ? match[2] : undefined;
  }
  if (node.type === 'integer' || node.type === 'float') {
    const value = Number(node.text.replace(/_/g, ''));
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

/** The arguments of an existing CacheLens decorator. */
function readDecoratorOptions(decorator: Node): { args: Node | undefined; options: ExistingOptions; positional: string[]; extra: string[]; idText?: string } {
  const expression = decorator.namedChildren.find((c) => c.type !== 'comment');
  const args = expression?.type === 'call' ? (expression.childForFieldName('arguments') ?? undefined) : undefined;
  const raw: Record<string, string> = {};
  const result: { id?: string; backend?: string; ttl?: string | number; max?: number } = {};
  const positional: string[] = [];
  const extra: string[] = [];
  let idText: string | undefined;
  for (const arg of args?.namedChildren ?? []) {
    if (arg.type === 'comment') continue;
    if (arg.type !== 'keyword_argument') {
      positional.push(arg.text);
      raw[`\u0000${positional.length}`] = arg.text;
      continue;
    }
    const key = arg.childForFieldName('name')?.text ?? '';
    const valueNode = arg.childForFieldName('value');
    raw[key] = arg.text;
    const value = valueNode ? literal(valueNode) : undefined;
    if (key === 'id') {
      idText = valueNode?.text;
      if (typeof value === 'string') result.id = value;
    } else if (key === 'backend') {
      if (typeof value === 'string') result.backend = value;
    } else if (key === 'ttl') {
      if (value !== undefined) result.ttl = value;
    } else if (key === 'max') {
      if (typeof value === 'number') result.max = value;
    } else {
      extra.push(arg.text);
    }
  }
  return { args, options: { ...result, raw }, positional, extra, ...(idText !== undefined ? { idText } : {}) };
}

/** A Python string literal in double quotes. */
export function pyString(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += c === '\\' || c === '"' ? `\\${c}` : code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  }
  return `${out}"`;
}

function pyNumber(value: number): string {
  if (value === Infinity) return 'float("inf")';
  return String(value);
}

/**
 * The decorator's arguments: `backend="memory", ttl="5m", max=1000, id="app.py#f"` (only the options
 * that are set; `id` always, last). `keep` holds what an existing decorator has that the codemod
 * does not manage (positional arguments first, other keywords before the id) and the id's own text.
 */
export function renderPythonOptions(id: string, options: CacheOptions, keep?: { idText?: string; positional?: readonly string[]; extra?: readonly string[] }): string {
  const parts = [...(keep?.positional ?? [])];
  if (options.backend !== undefined) parts.push(`backend=${pyString(options.backend)}`);
  if (options.ttl !== undefined) parts.push(`ttl=${typeof options.ttl === 'number' ? pyNumber(options.ttl) : pyString(options.ttl)}`);
  if (options.max !== undefined) parts.push(`max=${options.max}`);
  parts.push(...(keep?.extra ?? []));
  parts.push(`id=${keep?.idText ?? pyString(id)}`);
  return parts.join(', ');
}

/**
 * Options written one a line (a decorator the user spread over lines): kept one a line, with the
 * first argument's indentation and a trailing comma; else on one line.
 */
function multiline(text: string, args: Node, rendered: string, eol: string): string {
  const first = args.namedChildren.find((c) => c.type !== 'comment');
  if (!args.text.includes('\n') || !first || !text.slice(args.startIndex, first.startIndex).includes('\n')) return rendered;
  const indent = text.slice(lineStartOf(text, first.startIndex), first.startIndex);
  const closing = text.slice(lineStartOf(text, args.endIndex - 1), args.endIndex - 1);
  const parts = splitArguments(rendered);
  return `${eol}${parts.map((p) => `${indent}${p},${eol}`).join('')}${/^[ \t]*$/.test(closing) ? closing : ''}`;
}

/** Splits rendered arguments at the top-level commas (values may hold commas in strings or brackets). */
function splitArguments(rendered: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < rendered.length; i++) {
    const c = rendered[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(rendered.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(rendered.slice(start).trim());
  return parts.filter((p) => p !== '');
}

function withGrammar<T>(grammar: PythonGrammar, text: string, run: (root: Node) => T): T {
  return run(grammar.shared(text).rootNode);
}

/**
 * The function under the cursor and the file's imports, or the refusal that the cursor's place or
 * the file's syntax calls for (before any form check): what every Python command starts with.
 */
export function locateAt(input: AnalyzeInput, root: Node): { located: Located; imports: ImportInfo } | Refusal {
  const { text } = input;
  const offset = toOffset(text, input.position);
  if (offset === undefined) return refuse('no-target', 'the cursor is outside the text: put it on a def.');
  const error = syntaxProblem(root, text);
  if (error) {
    const { line, character } = toLineCharacter(text, error.offset);
    return refuse('syntax-error', `${input.fileName} has a syntax error at line ${line + 1}:${character + 1} (${error.what}): fix it first, so the change cannot break the file further.`);
  }
  const imports = readImports(root);
  const located = locate(root, text, offset, imports);
  return 'ok' in located ? located : { located, imports };
}

/** The target under the cursor, or the refusal that applies (the file is a .py file: `unsupported` checked that). */
function prepare(input: AnalyzeInput, root: Node): Prepared | Refusal {
  const { text } = input;
  const found = locateAt(input, root);
  if ('ok' in found) return found;
  const { located, imports } = found;
  if (!located.cached) {
    const refused = formRefusal(located, imports);
    if (refused) return refused;
  }
  const cachedOptions = located.cached ? readDecoratorOptions(located.cached).options : undefined;
  const relPath = input.relPath ?? input.fileName.replace(/\\/g, '/');
  const nameNode = located.fn.childForFieldName('name')!;
  const whole = located.decorated ?? located.fn;
  const isAsync = located.fn.children[0]?.type === 'async';
  const target: Target = {
    kind: located.isMethod ? 'method' : 'function-declaration',
    form: 'decorator',
    name: located.qualname,
    id: cachedOptions?.id ?? `${relPath}#${located.qualname}`,
    range: { start: whole.startIndex, end: whole.endIndex },
    nameRange: { start: nameNode.startIndex, end: nameNode.endIndex },
    isAsync,
    returnsPromise: isAsync,
    ...(cachedOptions ? { cached: cachedOptions } : {}),
  };
  return { text, root, imports, located, target, eol: eolAt(text, located.fn.startIndex) };
}

/** The edit that puts `@<binding>(options)` on its own line right above the `def`, with the def's indentation. */
function decoratorEdit(prepared: Prepared, binding: string, options: string): TextEdit | Refusal {
  const { text, located } = prepared;
  const lineStart = lineStartOf(text, located.fn.startIndex);
  const indent = text.slice(lineStart, located.fn.startIndex);
  if (!/^[ \t\f]*$/.test(indent)) {
    return refuse('unrecognized-form', `the def of ${located.qualname} does not start its line: put it on a line of its own, then cache it.`);
  }
  return { start: lineStart, end: lineStart, newText: `${indent}@${binding}(${options})${prepared.eol}` };
}

/** The edit that removes a decorator: its whole line(s) when it stands alone there, else the decorator and the blanks after it. */
export function decoratorRemoval(text: string, decorator: Node): TextEdit {
  const lineStart = lineStartOf(text, decorator.startIndex);
  let end = decorator.endIndex;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  const alone = /^[ \t\f]*$/.test(text.slice(lineStart, decorator.startIndex));
  if (alone && (text[end] === '\n' || (text[end] === '\r' && text[end + 1] === '\n'))) {
    return { start: lineStart, end: end + (text[end] === '\r' ? 2 : 1), newText: '' };
  }
  if (alone && end === text.length) return { start: lineStart, end, newText: '' };
  return { start: decorator.startIndex, end, newText: '' };
}

/** What is under the cursor (the grammar comes from `loadPythonCodemod`, index.ts). */
export function pythonAnalyzeAt(grammar: PythonGrammar, input: AnalyzeInput): AnalyzeResult {
  if (!isPythonFile(input.fileName)) return unsupported(input);
  return withGrammar(grammar, input.text, (root) => {
    const prepared = prepare(input, root);
    return 'ok' in prepared ? prepared : { ok: true, target: prepared.target };
  });
}

function unsupported(input: AnalyzeInput): Refusal {
  return refuse('unsupported-file', `${input.fileName} is not a Python source file (.py): open the .py file that defines the function.`);
}

/**
 * Caches the function under the cursor: the decorator, the import, and cachelens.config.json
 * (created when absent, a built-in backend added when missing: the same plan as for TypeScript).
 * Already cached: its options are rewritten in place (`updated`, or `unchanged` with no edits), or
 * with `onCached: 'refuse'` the answer is `already-cached`.
 */
export function pythonCacheFunction(grammar: PythonGrammar, input: PythonCacheInput): CacheResult {
  if (!isPythonFile(input.fileName)) return unsupported(input);
  const invalid = validateOptions(input.options);
  if (invalid) return refuse('invalid-options', invalid);
  return withGrammar(grammar, input.text, (root): CacheResult => {
    const prepared = prepare(input, root);
    if ('ok' in prepared) return prepared;
    const { text, located, target } = prepared;
    const config = planConfig(input.config, input.options.backend);
    if (config && 'ok' in config) return config;
    const withConfig = (source: TextEdit[]) => ({ source, ...(config ? { config } : {}) });

    if (located.cached) {
      if (input.onCached === 'refuse') {
        return refuse('already-cached', `${target.name} is already cached (${located.cached.text}): use "Change cache settings" to edit its options, or "Remove caching".`, target);
      }
      const existing = readDecoratorOptions(located.cached);
      const newArgs = renderPythonOptions(target.id, input.options, {
        positional: existing.positional,
        extra: existing.extra,
        ...(existing.idText !== undefined ? { idText: existing.idText } : {}),
      });
      const edit: TextEdit = existing.args
        ? { start: existing.args.startIndex + 1, end: existing.args.endIndex - 1, newText: multiline(text, existing.args, newArgs, prepared.eol) }
        : { start: located.cached.endIndex, end: located.cached.endIndex, newText: `(${newArgs})` };
      const source = normalizeEdits(text, [edit]);
      return { ok: true, edits: withConfig(source), target, change: source.length > 0 ? 'updated' : 'unchanged' };
    }

    const imports = planImport(root, text, prepared.imports, prepared.eol);
    const decorator = decoratorEdit(prepared, imports.binding, renderPythonOptions(target.id, input.options));
    if ('ok' in decorator) return decorator;
    const source = normalizeEdits(text, [...imports.edits, decorator]);
    return { ok: true, edits: withConfig(source), target, change: 'created' };
  });
}

/**
 * Removes the CacheLens decorator from the function under the cursor, and the import when nothing
 * else in the file uses it: cache then uncache gives back the original text byte for byte.
 * cachelens.config.json and requirements.txt are left alone (other functions may use them).
 */
export function pythonUncacheFunction(grammar: PythonGrammar, input: UncacheInput): UncacheResult {
  if (!isPythonFile(input.fileName)) return unsupported(input);
  return withGrammar(grammar, input.text, (root): UncacheResult => {
    const prepared = prepare(input, root);
    if ('ok' in prepared) return prepared;
    const { text, located, target } = prepared;
    if (!located.cached) return refuse('not-cached', `${target.name} is not cached by CacheLens: there is nothing to remove.`, target);
    const removal = decoratorRemoval(text, located.cached);
    const binding = prepared.imports.bindings.find((b) => b.ref === decoratorName(located.cached!));
    const importEdits = binding
      ? planImportRemoval(grammar, root, text, binding, located.cached, prepared.eol, removal)
      : [];
    return { ok: true, edits: { source: normalizeEdits(text, [...importEdits, removal]) }, target };
  });
}
