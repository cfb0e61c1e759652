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
import { parse, type Node } from 'acorn';

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
  const add = (fn: Fn, name: string, isArrow: boolean): void => {
    if (fn.generator) return;
    const k = functions.length;
    functions.push([name, (fn as Node & { loc: { start: { line: number } } }).loc.start.line]);
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
    else if (n.type === 'VariableDeclaration') {
      for (const d of n.declarations ?? []) {
        if (d.id.type === 'Identifier' && d.init) declaration(d.init, d.id.name);
      }
    }
  };
  for (const statement of program.body) {
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
    } else {
      declaration(s);
    }
  }
  if (functions.length === 0) return undefined;
  insertions.sort((a, b) => b.at - a.at || b.order - a.order);
  let code = source;
  for (const { at, text } of insertions) code = code.slice(0, at) + text + code.slice(at);
  const names = JSON.stringify(functions);
  code += `\n;var ${PROBE}$m;function ${PROBE}(){return ${PROBE}$m||(${PROBE}$m=(globalThis[Symbol.for(${JSON.stringify(OBSERVER_KEY)})]` +
    `||{module(){return{e(){return 0},x(){},a(k,t,p){return p}}}}).module(${JSON.stringify(file)},${names}))}\n`;
  return { code, functions };
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
  const args = isArrow ? `[${boundNames(fn.params).join(',')}]` : 'arguments';
  const enter = `const ${PROBE}$t=${PROBE}().e(${k},${args});`;
  if (fn.body.type === 'BlockStatement') {
    const statements = fn.body.body ?? [];
    let start = fn.body.start + 1;
    for (const s of statements) {
      if ((s as Node & { directive?: string }).directive === undefined) break;
      start = s.end;
    }
    const end = fn.body.end - 1;
    if (fn.async) {
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
