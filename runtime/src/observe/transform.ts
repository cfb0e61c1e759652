/**
 * The source rewrite of observe mode: every top-level function (declarations, and `const f = ...`
 * function or arrow expressions, exported or not) and every method of a top-level class gets a
 * probe at the start and the end of its body, so that every call is counted, calls from inside
 * the module included. Why a rewrite and not wrapping exports: a module's own calls of its
 * functions go straight to the binding, and no wrapper sees them.
 *
 * What stays exactly the same: the function object (its identity, name, length, prototype,
 * `new`), `this`, `arguments`, `super`, `new.target`, what it returns or throws. Only text is
 * inserted, never a line break before the last line, so every line of the module keeps its number
 * (stack traces and source maps still point at the right lines; columns move only after an
 * insertion on the same line). The probe's helper is a hoisted function declaration appended at
 * the end, so it works from the first statement, even in a function called during a circular import.
 *
 * - synchronous body: `{P; try { BODY } finally { X }}`;
 * - async body: `{P; return probe.a(k, t, (async () => { BODY })())}`: the time runs until the
 *   body's own promise settles (an inner arrow keeps `this`, `arguments` and `super`); the caller
 *   still gets the function's own promise, and an unhandled rejection stays unhandled;
 * - generators are left alone (a call only makes the generator); so are getters, setters,
 *   constructors and class fields.
 */
import { SourceMap } from 'node:module';
import { parse, type Node } from 'acorn';
import { shiftMappings, type Shift } from './source-map.js';

/** The identifier the inserted code calls (hoisted function declaration appended to the module). */
export const PROBE = '__cachelens$o';
/** The global where `cachelens/observe` puts its observer (a `Symbol.for` key: one per process). */
export const OBSERVER_KEY = 'cachelens.observe';

export interface InstrumentedModule {
  code: string;
  /** The instrumented functions, in probe order: `[name, 1-based line]`. */
  functions: Array<[string, number]>;
}

interface Fn extends Node {
  async: boolean;
  generator: boolean;
  expression?: boolean;
  params: Node[];
  body: Node & { body?: Node[] };
}

interface Insertion {
  at: number;
  text: string;
  /** Among insertions at one position, lower first. */
  order: number;
}

/**
 * Instruments `source` (JavaScript; `module` for ES modules, `script` for CommonJS). Returns
 * undefined when there is nothing to instrument, when it was instrumented already, or when it does
 * not parse as JavaScript (TypeScript that nothing compiled yet, for example): then the module
 * runs unchanged.
 */
export function instrument(source: string, file: string, sourceType: 'module' | 'script'): InstrumentedModule | undefined {
  if (source.includes(PROBE)) return undefined;
  let program: Node & { body: Node[] };
  try {
    program = parse(source, {
      ecmaVersion: 'latest', sourceType, allowHashBang: true, locations: true,
      allowReturnOutsideFunction: sourceType === 'script', allowAwaitOutsideFunction: sourceType === 'script',
    }) as Node & { body: Node[] };
  } catch {
    return undefined;
  }
  const insertions: Insertion[] = [];
  const functions: Array<[string, number]> = [];
  const original = inlineSourceMap(source);
  const add = (fn: Fn, name: string, isArrow: boolean): void => {
    // Generators only make a generator when called; `__name`, `__awaiter`...: a compiler's helpers.
    if (fn.generator || name.startsWith('__')) return;
    const k = functions.length;
    const { line, column } = (fn as Node & { loc: { start: { line: number; column: number } } }).loc.start;
    functions.push([name, original?.(line, column) ?? line]);
    probe(source, fn, k, isArrow, insertions);
  };
  const addClass = (cls: Node & { id?: { name: string } | null; body: { body: Node[] } }, fallback: string): void => {
    const className = cls.id?.name ?? fallback;
    for (const member of cls.body.body) {
      const m = member as Node & { kind?: string; key: Node & { name?: string; value?: unknown }; value?: Fn; computed?: boolean };
      if (m.type !== 'MethodDefinition' || m.kind !== 'method' || m.computed || !m.value) continue;
      const key = m.key.type === 'PrivateIdentifier' ? `#${m.key.name}` : m.key.name ?? String(m.key.value);
      add(m.value, `${className}.${key}`, false);
    }
  };
  const declaration = (node: Node, defaultName?: string): void => {
    const n = node as Node & { id?: { name: string } | null; declarations?: Array<{ id: Node & { name?: string }; init: Node | null }> };
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') add(n as unknown as Fn, n.id?.name ?? defaultName ?? 'default', false);
    else if (n.type === 'ArrowFunctionExpression') add(n as unknown as Fn, defaultName ?? 'default', true);
    else if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') addClass(n as never, defaultName ?? 'default');
    else if (n.type === 'CallExpression' && keepsName(n)) declaration((n as unknown as { arguments: Node[] }).arguments[0]!, defaultName);
    else if (n.type === 'VariableDeclaration') {
      for (const d of n.declarations ?? []) {
        if (d.id.type === 'Identifier' && d.init) declaration(d.init, d.id.name);
      }
    }
  };
  const topLevel = (statements: Node[]): void => {
  for (const statement of statements) {
    const s = statement as Node & { declaration?: Node | null; expression?: Node & { operator?: string; left?: Node; right?: Node } };
    if (s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') {
      if (s.declaration) declaration(s.declaration, s.type === 'ExportDefaultDeclaration' ? 'default' : undefined);
    } else if (s.type === 'ExpressionStatement' && s.expression?.type === 'AssignmentExpression' && s.expression.operator === '=') {
      // CommonJS: exports.f = function () {}, module.exports.f = () => {}
      const name = exportedName(s.expression.left!);
      const right = s.expression.right!;
      if (name && (right.type === 'FunctionExpression' || right.type === 'ArrowFunctionExpression' || right.type === 'ClassExpression')) {
        declaration(right, name);
      }
    } else if (s.type === 'ExpressionStatement' && iifeBody(s.expression!)) {
      // A module wrapped in an immediately called function (tsx's CommonJS output): its body is the top level.
      topLevel(iifeBody(s.expression!)!);
    } else {
      declaration(s);
    }
  }
  };
  topLevel(program.body);
  if (functions.length === 0) return undefined;
  insertions.sort((a, b) => b.at - a.at || b.order - a.order);
  let code = source;
  for (const { at, text } of insertions) code = code.slice(0, at) + text + code.slice(at);
  const names = JSON.stringify(functions);
  // The helper goes after the last line of code but before a closing source map comment, which
  // tools read only as the last line.
  const mapComment = /\n\/\/# sourceMappingURL=[^\n]*\s*$/.exec(code);
  const tail = mapComment ? shiftedMapComment(code.slice(mapComment.index), source, insertions) : '';
  if (mapComment) code = code.slice(0, mapComment.index);
  code += `\n;var ${PROBE}$m;function ${PROBE}(){return ${PROBE}$m||(${PROBE}$m=(globalThis[Symbol.for(${JSON.stringify(OBSERVER_KEY)})]` +
    `||{module(){return{e(){return 0},e1(){return 0},x(){},a(k,t,p){return p}}}}).module(${JSON.stringify(file)},${names}))}${tail || '\n'}`;
  return { code, functions };
}

/**
 * When `source` carries its source map inline (what tsx compiles), the line in the original source
 * of a 1-based line and 0-based column of `source`; undefined when there is no usable map.
 */
function inlineSourceMap(source: string): ((line: number, column: number) => number | undefined) | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json(?:;charset=[^;,]+)?;base64,([A-Za-z0-9+/=]+)\s*$/.exec(source);
  if (!m) return undefined;
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return undefined;
  }
  return (line, column) => {
    const entry = map.findEntry(line - 1, column) as { originalLine?: number };
    return typeof entry.originalLine === 'number' ? entry.originalLine + 1 : undefined;
  };
}

/** `__name(fn, "f")`: how esbuild (tsx) keeps a function's name; `fn` is the function to instrument. */
function keepsName(call: Node): boolean {
  const c = call as Node & { callee: Node & { name?: string }; arguments: Node[] };
  return c.callee.type === 'Identifier' && c.callee.name === '__name' && c.arguments.length === 2;
}

/** The source map comment `comment`, its inline map (if any) moved along with the insertions. */
function shiftedMapComment(comment: string, source: string, insertions: readonly Insertion[]): string {
  const m = /data:application\/json(?:;charset=[^;,]+)?;base64,([A-Za-z0-9+/=]+)/.exec(comment);
  if (!m) return comment;
  try {
    const map = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { mappings?: unknown };
    if (typeof map.mappings !== 'string') return comment;
    const lineStarts = [0];
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const shifts: Shift[] = insertions.map(({ at, text }) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid]! <= at) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo, column: at - lineStarts[lo]!, length: text.length };
    });
    map.mappings = shiftMappings(map.mappings, shifts);
    return comment.replace(m[1]!, Buffer.from(JSON.stringify(map)).toString('base64'));
  } catch {
    return comment;
  }
}

/** The statements of `(() => { ... })()` or `(function () { ... })()`, else undefined. */
function iifeBody(expression: Node): Node[] | undefined {
  const call = expression as Node & { callee?: Node & { body?: Node & { body?: Node[] }; generator?: boolean; async?: boolean } };
  const callee = call.callee;
  if (call.type !== 'CallExpression' || !callee || (callee.type !== 'ArrowFunctionExpression' && callee.type !== 'FunctionExpression')) return undefined;
  if (callee.generator || callee.async || callee.body?.type !== 'BlockStatement') return undefined;
  return callee.body.body;
}

function exportedName(left: Node): string | undefined {
  const l = left as Node & { object?: Node & { name?: string; object?: Node & { name?: string }; property?: Node & { name?: string } }; property?: Node & { name?: string }; computed?: boolean };
  if (l.type !== 'MemberExpression' || l.computed || l.property?.type !== 'Identifier') return undefined;
  const o = l.object!;
  const isExports = (o.type === 'Identifier' && o.name === 'exports') ||
    (o.type === 'MemberExpression' && o.object?.name === 'module' && o.property?.name === 'exports');
  return isExports ? l.property.name : undefined;
}

/** The insertions that put probe number `k` around `fn`'s body. */
function probe(source: string, fn: Fn, k: number, isArrow: boolean, out: Insertion[]): void {
  // One plain parameter: its value, with no arguments object or array to make (the common case).
  const single = fn.params.length === 1 && fn.params[0]!.type === 'Identifier' ? (fn.params[0] as Node & { name: string }).name : undefined;
  const args = isArrow ? `[${boundNames(fn.params).join(',')}]` : 'arguments';
  const enter = single !== undefined ? `const ${PROBE}$t=${PROBE}().e1(${k},${single});` : `const ${PROBE}$t=${PROBE}().e(${k},${args});`;
  if (fn.body.type === 'BlockStatement') {
    const statements = fn.body.body ?? [];
    let start = fn.body.start + 1;
    for (const s of statements) {
      if ((s as Node & { directive?: string }).directive === undefined) break;
      start = s.end;
    }
    const end = fn.body.end - 1;
    if (fn.async && !redeclaresParameter(fn)) {
      out.push({ at: start, text: `${enter}return ${PROBE}().a(${k},${PROBE}$t,(async()=>{`, order: 0 });
      out.push({ at: end, text: '})())', order: 1 });
    } else {
      out.push({ at: start, text: `${enter}try{`, order: 0 });
      out.push({ at: end, text: `}finally{${PROBE}().x(${k},${PROBE}$t)}`, order: 1 });
    }
    return;
  }
  // An arrow's expression body, parentheses included: from just after `=>` to the arrow's end.
  const arrow = source.lastIndexOf('=>', fn.body.start);
  const start = arrow + 2;
  if (fn.async) {
    out.push({ at: start, text: `{${enter}return ${PROBE}().a(${k},${PROBE}$t,(async()=>(`, order: 0 });
    out.push({ at: fn.end, text: '))())}', order: 1 });
  } else {
    out.push({ at: start, text: `{${enter}try{return(`, order: 0 });
    out.push({ at: fn.end, text: `)}finally{${PROBE}().x(${k},${PROBE}$t)}}`, order: 1 });
  }
}

/**
 * Whether the body declares a `var` or a function with the name of a parameter (or `arguments`):
 * moved into an inner arrow, that declaration would start as undefined instead of the argument.
 * Such an async function gets the synchronous form (timed until it returns, not until it settles).
 */
function redeclaresParameter(fn: Fn): boolean {
  const params = new Set([...boundNames(fn.params), 'arguments']);
  let found = false;
  const visit = (node: unknown): void => {
    if (found || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as Node & { kind?: string; declarations?: Array<{ id: Node }>; id?: Node & { name?: string } };
    if (typeof n.type !== 'string') return;
    if (n.type === 'FunctionDeclaration') {
      if (n.id?.name && params.has(n.id.name)) found = true;
      return; // its own scope
    }
    if (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (n.type === 'VariableDeclaration' && n.kind === 'var' && boundNames((n.declarations ?? []).map((d) => d.id)).some((name) => params.has(name))) {
      found = true;
      return;
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'loc' && typeof value === 'object') visit(value);
  };
  visit(fn.body.body ?? []);
  return found;
}

/** The names a parameter list binds (`(a, { b, c: [d] }, ...e)` binds a, b, d, e). */
function boundNames(params: Node[]): string[] {
  const names: string[] = [];
  const visit = (p: Node | null): void => {
    if (!p) return;
    const n = p as Node & { name?: string; left?: Node; argument?: Node; elements?: Array<Node | null>; properties?: Array<Node & { value?: Node; argument?: Node }> };
    switch (n.type) {
      case 'Identifier': names.push(n.name!); break;
      case 'AssignmentPattern': visit(n.left!); break;
      case 'RestElement': visit(n.argument!); break;
      case 'ArrayPattern': for (const e of n.elements ?? []) visit(e); break;
      case 'ObjectPattern': for (const q of n.properties ?? []) visit(q.type === 'RestElement' ? q.argument! : q.value!); break;
    }
  };
  for (const p of params) visit(p);
  return names;
}
