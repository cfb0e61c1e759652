import { ts } from 'ts-morph';
import { isMemoizeCall } from './imports.js';
import { refuse, type DecoratorFlavour, type Refusal, type TargetKind } from './types.js';

type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration;

/** The existing caching of a target. */
export interface CachedShape {
  /** `memoize(...)`: the wrapper call or the decorator's call. */
  readonly call: ts.CallExpression;
  readonly options: ts.Expression | undefined;
  readonly decorator?: ts.Decorator;
}

/** What the cursor designates, with the nodes each transform needs. */
export interface Located {
  readonly kind: TargetKind;
  /** Name used in the id and shown to the user. */
  readonly name: string;
  /** The function in its current form (inside the wrapper when cached; the implementation for overloads). */
  readonly fn: FunctionNode;
  /** The node whose range is the target's range. */
  readonly outer: ts.Node;
  readonly nameNode: ts.Node;
  readonly cached?: CachedShape;
  /** function-declaration, overloaded-function, default-function: the declarations (overloads first) when not cached. */
  readonly declarations?: readonly ts.FunctionDeclaration[];
  /** variable-function and object-method wrappers: the expression to wrap (uncached) . */
  readonly wrapped?: ts.Expression;
  /** Cached function-declaration / overloaded-function forms: the const statement and the `export default X` after it. */
  readonly statement?: ts.VariableStatement;
  readonly exportDefault?: ts.ExportAssignment;
  /** Cached overloaded-function: the renamed declarations. */
  readonly renamed?: readonly ts.FunctionDeclaration[];
  /**
   * Uncached function read at module level before its declaration (`exports.f = f` above
   * `function f`): the statement of the first read, before which the cached const goes.
   */
  readonly hoistBefore?: ts.Statement;
}

const isFunctionLike = (n: ts.Node): boolean =>
  ts.isFunctionDeclaration(n) ||
  ts.isFunctionExpression(n) ||
  ts.isArrowFunction(n) ||
  ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n) ||
  ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n) ||
  ts.isClassStaticBlockDeclaration(n);

/** Nodes from the source file down to the deepest one under `offset` (JSDoc counts as part of its node; the end is inclusive). */
export function pathAt(sf: ts.SourceFile, offset: number): ts.Node[] {
  const path: ts.Node[] = [sf];
  let node: ts.Node = sf;
  for (;;) {
    let next: ts.Node | undefined;
    ts.forEachChild(node, (child) => {
      if (next === undefined && child.getStart(sf, true) <= offset && offset <= child.end && child.end > child.pos) next = child;
    });
    if (!next) return path;
    path.push(next);
    node = next;
  }
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

function isModuleLevelStatement(node: ts.Node): boolean {
  return ts.isSourceFile(node.parent);
}

function propertyName(name: ts.PropertyName, sf: ts.SourceFile): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  void sf;
  return undefined;
}

function unwrapOuter(node: ts.Node): ts.Node {
  let current = node;
  while (ts.isSatisfiesExpression(current.parent) || ts.isAsExpression(current.parent) || ts.isParenthesizedExpression(current.parent)) {
    current = current.parent;
  }
  return current;
}

/** Name of the module-level thing an object literal is assigned to (`api`, `api.users`, `default`, `module.exports`), or undefined. */
function objectOwner(object: ts.ObjectLiteralExpression, sf: ts.SourceFile): string | undefined {
  const outer = unwrapOuter(object);
  const parent = outer.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === outer && ts.isIdentifier(parent.name)) {
    return isModuleLevelStatement(parent.parent.parent) ? parent.name.text : undefined;
  }
  if (ts.isPropertyAssignment(parent) && ts.isObjectLiteralExpression(parent.parent)) {
    const key = propertyName(parent.name, sf);
    const owner = objectOwner(parent.parent, sf);
    return key !== undefined && owner !== undefined ? `${owner}.${key}` : undefined;
  }
  if (ts.isExportAssignment(parent) && isModuleLevelStatement(parent)) return 'default';
  if (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    parent.right === outer &&
    parent.left.getText(sf) === 'module.exports' &&
    ts.isExpressionStatement(parent.parent) &&
    isModuleLevelStatement(parent.parent)
  ) {
    return 'module.exports';
  }
  return undefined;
}

function className(cls: ts.ClassLikeDeclaration): string | undefined {
  if (cls.name) return cls.name.text;
  if (ts.isClassDeclaration(cls) && hasModifier(cls, ts.SyntaxKind.DefaultKeyword)) return 'default';
  const outer = unwrapOuter(cls);
  if (ts.isVariableDeclaration(outer.parent) && ts.isIdentifier(outer.parent.name)) return outer.parent.name.text;
  return undefined;
}

function declaresVoid(type: ts.TypeNode | undefined, sf: ts.SourceFile): boolean {
  if (!type) return false;
  if (type.kind === ts.SyntaxKind.VoidKeyword) return true;
  return (
    ts.isTypeReferenceNode(type) &&
    ['Promise', 'PromiseLike'].includes(type.typeName.getText(sf)) &&
    type.typeArguments?.length === 1 &&
    type.typeArguments[0]!.kind === ts.SyntaxKind.VoidKeyword
  );
}

/** True when a block body never returns a value (nested functions excluded). */
function returnsNothing(fn: FunctionNode): boolean {
  const body = fn.body;
  if (!body || !ts.isBlock(body)) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) found = true;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return !found;
}

/** `super` or `this` used by the function itself (arrow functions inside share them; nested functions and classes do not). */
function usesReceiver(fn: FunctionNode, kind: ts.SyntaxKind.SuperKeyword | ts.SyntaxKind.ThisKeyword): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node) || ts.isClassLike(node)) return;
    if (node.kind === kind) found = true;
    else ts.forEachChild(node, visit);
  };
  if (fn.body) ts.forEachChild(fn.body, visit);
  return found;
}

function isAmbient(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (hasModifier(n, ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

/** Refusals shared by every function form; `what` names the target in messages. */
function checkFunction(fn: FunctionNode, what: string, sf: ts.SourceFile): Refusal | undefined {
  if (fn.asteriskToken) {
    return refuse('generator', `${what} is a generator: caching would replay a used-up iterator. Cache a function that returns the collected values (for example an array) instead.`);
  }
  if (declaresVoid(fn.type, sf)) {
    return refuse('returns-void', `${what} is declared to return ${fn.type!.getText(sf)}: there is no result to cache. Cache a function that returns the value you want to reuse.`);
  }
  if (returnsNothing(fn)) {
    return refuse('returns-void', `${what} never returns a value: there is no result to cache. Cache a function that returns the value you want to reuse.`);
  }
  return undefined;
}

/**
 * Identifiers of `names` that run before `before` at module level (uses inside functions run later
 * and are fine), in source order; the first one only unless `all`.
 */
function earlyUses(sf: ts.SourceFile, names: ReadonlySet<string>, before: number, skip: ts.Node, all = false): ts.Identifier[] {
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node, deferred: boolean): void => {
    if ((found.length > 0 && !all) || node === skip || node.pos >= before) return;
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isExportDeclaration(node) || ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node) && names.has(node.text) && !deferred && node.getStart(sf) < before) {
      const parent = node.parent as ts.Node & { name?: ts.Node };
      const isName = parent.name === node && !ts.isShorthandPropertyAssignment(parent);
      const isLabel = (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) && parent.label === node;
      if (!isName && !isLabel) found.push(node);
      return;
    }
    // Function bodies run later; class static blocks and static field initializers run right away.
    const defers =
      (isFunctionLike(node) && !ts.isClassStaticBlockDeclaration(node)) ||
      (ts.isPropertyDeclaration(node) && !hasModifier(node, ts.SyntaxKind.StaticKeyword));
    ts.forEachChild(node, (child) => visit(child, deferred || defers));
  };
  visit(sf, false);
  return found;
}

const earlyUse = (sf: ts.SourceFile, names: ReadonlySet<string>, before: number, skip: ts.Node): ts.Identifier | undefined =>
  earlyUses(sf, names, before, skip)[0];

/**
 * A use that only reads the function as a value (`exports.f = f`, `module.exports = f`, `{ f }`):
 * not a call, `new`, tagged template or property access, which would run or touch it.
 */
function isPlainRead(use: ts.Identifier): boolean {
  const parent = use.parent;
  if ((ts.isCallExpression(parent) || ts.isNewExpression(parent) || ts.isTaggedTemplateExpression(parent)) && (ts.isTaggedTemplateExpression(parent) ? parent.tag : parent.expression) === use) return false;
  if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === use) return false;
  return true;
}

/** The module-level statement holding `node`. */
function topLevelStatement(node: ts.Node): ts.Statement {
  let current = node;
  while (!ts.isSourceFile(current.parent)) current = current.parent;
  return current as ts.Statement;
}

/** Names a top-level statement declares (functions, classes, plain variables). */
function declaredNames(statement: ts.Statement): string[] {
  if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) return [statement.name.text];
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  return [];
}

/**
 * Top-level names from which calling (or reading) can reach `name` at run time, each with the name
 * it reaches it through: functions and classes whose bodies mention `name`, objects holding such
 * functions (`const api = { total: () => sum() }`), and so on transitively. Conservative: a mention
 * counts as a call.
 */
function reachersOf(sf: ts.SourceFile, name: string, skip: ts.Node): Map<string, string | undefined> {
  const via = new Map<string, string | undefined>([[name, undefined]]);
  // Each statement is walked once; the fixpoint then runs over the names it mentions.
  const candidates: { names: string[]; mentions: string[] }[] = [];
  for (const statement of sf.statements) {
    const names = declaredNames(statement);
    if (statement === skip || names.length === 0 || (ts.isFunctionDeclaration(statement) && names[0] === name)) continue;
    const mentions = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        if (!names.includes(node.text)) mentions.add(node.text);
      } else ts.forEachChild(node, visit);
    };
    visit(statement);
    candidates.push({ names, mentions: [...mentions] });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const { names, mentions } of candidates) {
      if (names.every((n) => via.has(n))) continue;
      const reached = mentions.find((m) => via.has(m));
      if (reached === undefined) continue;
      for (const n of names) if (!via.has(n)) via.set(n, reached);
      changed = true;
    }
  }
  return via;
}

/**
 * Whether module-level code can reach `name` before its declaration (`first`) runs: undefined when
 * not; the statement before which the cached const must stand when the only early uses read the
 * function as a value (`exports.f = f` above `function f`: the hoisting-safe form, where the
 * declaration stays hoisted under another name); a refusal when it would be called before the
 * wrapper exists (directly, or through other functions and objects).
 */
function checkHoisting(sf: ts.SourceFile, name: string, first: ts.Node): Refusal | { readonly before: ts.Statement } | undefined {
  const start = first.getStart(sf);
  const via = reachersOf(sf, name, first);
  // A direct use first: a reacher's own declaration may mention the reacher (a class using its name).
  const direct = earlyUses(sf, new Set([name]), start, first, true);
  const reachers = new Set(via.keys());
  reachers.delete(name);
  const use = direct.find((u) => !isPlainRead(u)) ?? earlyUse(sf, reachers, start, first);
  if (!use) return direct.length === 0 ? undefined : { before: topLevelStatement(direct[0]!) };
  const { line, character } = sf.getLineAndCharacterOfPosition(use.getStart(sf));
  const chain: string[] = [];
  for (let n: string | undefined = use.text; n !== undefined && n !== name; n = via.get(n)) chain.push(n);
  const callable = (n: string): string => {
    const declared = sf.statements.find((s) => declaredNames(s).includes(n));
    return declared && ts.isFunctionDeclaration(declared) ? `${n}()` : n;
  };
  const through = chain.length === 0 ? '' : ` (through ${chain.map(callable).join(', which calls ')}, which calls it)`;
  return refuse(
    'hoisting',
    `${name} is used at line ${line + 1}:${character + 1}${through} before its declaration runs; the cached form is a const, which is not hoisted, so that use would throw. Move the declaration of ${name} above its first use, then cache it.`,
  );
}

/** Top-level function declarations named `name`, in order. */
function declarationsNamed(sf: ts.SourceFile, name: string): ts.FunctionDeclaration[] {
  return sf.statements.filter((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
}

interface Context {
  readonly sf: ts.SourceFile;
  readonly callee: string;
  readonly flavour: DecoratorFlavour;
  readonly javascript: boolean;
}

function locateMethod(method: ts.MethodDeclaration, ctx: Context): Located | Refusal {
  const { sf } = ctx;
  const cls = method.parent as ts.ClassLikeDeclaration;
  const memberName = propertyName(method.name, sf);
  const owner = className(cls);
  if (memberName === undefined || owner === undefined) {
    return refuse('anonymous', `This method has no stable name (${memberName === undefined ? 'computed name' : 'anonymous class'}) to build the cache id from: give the ${memberName === undefined ? 'method a plain name' : 'class a name'}, then cache it.`);
  }
  const name = `${owner}.${memberName}`; // a #private name keeps its #
  const what = `Method ${name}`;
  if (hasModifier(method, ts.SyntaxKind.AbstractKeyword)) {
    return refuse('abstract', `${what} is abstract: it has no body to cache. Cache the implementation in each subclass instead.`);
  }
  if (!method.body) {
    if (isAmbient(method)) return refuse('ambient', `${what} is declared only (declare): it has no body to cache. Cache the implementation where it is written.`);
    return refuse('overload-signature', `This is an overload signature of ${name}: put the cursor on the implementation (the declaration with a body), then cache it.`);
  }
  const decorator = (ts.getDecorators(method) ?? []).find((d) => isMemoizeCall(d.expression, ctx.callee, sf));
  const base = { kind: 'method' as const, name, fn: method, outer: method, nameNode: method.name };
  if (decorator) {
    const call = decorator.expression as ts.CallExpression;
    return { ...base, cached: { call, options: call.arguments[0], decorator } };
  }
  const refusal = checkFunction(method, what, sf);
  if (refusal) return refusal;
  if (ctx.flavour === 'none') {
    return refuse(
      'decorators-unavailable',
      ctx.javascript
        ? `${what} is a class method in a JavaScript file, where decorators do not compile. Move the work into a module-level function and cache that, or use TypeScript.`
        : `Decorators do not compile in this project (TypeScript before 5 without experimentalDecorators). Enable "experimentalDecorators" in tsconfig.json or upgrade TypeScript, or cache a module-level function instead.`,
    );
  }
  if (ts.isPrivateIdentifier(method.name) && ctx.flavour === 'legacy') {
    return refuse('decorators-unavailable', `${what} is a #private method, which experimentalDecorators cannot decorate. Make it a private (TypeScript) method, or switch to standard decorators.`);
  }
  return base;
}

function locateFunctionDeclaration(decl: ts.FunctionDeclaration, ctx: Context): Located | Refusal {
  const { sf } = ctx;
  const name = decl.name?.text;
  const what = `Function ${name ?? '(default export)'}`;
  if (isAmbient(decl)) return refuse('ambient', `${what} is declared only (declare): it has no body to cache. Cache the implementation where it is written.`);
  if (!decl.body) return refuse('overload-signature', `This is an overload signature of ${name ?? 'the default export'}: put the cursor on the implementation (the declaration with a body), then cache it.`);
  if (!isModuleLevelStatement(decl)) {
    return refuse('not-module-level', `${what} is declared inside another function or block, so a cached version would get a new, empty cache each time that code runs. Move it to the top level of the module, then cache it.`);
  }
  const refusal = checkFunction(decl, what, sf);
  if (refusal) return refusal;
  const isDefault = hasModifier(decl, ts.SyntaxKind.DefaultKeyword);
  if (name === undefined) {
    return { kind: 'default-function', name: 'default', fn: decl, outer: decl, nameNode: decl, declarations: [decl] };
  }
  // Already cached in the overload form: `const f = memoize(fUncached, {...})` names this declaration.
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const init = statement.declarationList.declarations[0]?.initializer;
    if (init && isMemoizeCall(init, ctx.callee, sf) && init.arguments[0] && ts.isIdentifier(init.arguments[0]) && init.arguments[0].text === name) {
      const found = locateCall(init, ctx);
      if (found) return found;
    }
  }
  const declarations = declarationsNamed(sf, name);
  const overloaded = declarations.length > 1;
  void isDefault;
  const hoisting = checkHoisting(sf, name, declarations[0]!);
  if (hoisting && 'ok' in hoisting) return hoisting;
  return {
    // Read before its declaration: the declaration keeps its hoisting under another name and the
    // cached const stands before the first read, as for overloads.
    kind: overloaded || hoisting ? 'overloaded-function' : 'function-declaration',
    name,
    fn: decl,
    outer: decl,
    nameNode: decl.name!,
    declarations,
    ...(hoisting ? { hoistBefore: hoisting.before } : {}),
  };
}

/**
 * The `export default name;` that caching `export default function name` wrote: right on the next
 * line after an unexported const. An `export default name;` elsewhere (or after an exported const,
 * as in `export function f` ... `export default f;`) is the user's and stays.
 */
function writtenExportDefault(statement: ts.VariableStatement, next: ts.Statement | undefined, name: string, sf: ts.SourceFile): ts.ExportAssignment | undefined {
  if (!next || !ts.isExportAssignment(next) || next.isExportEquals || !ts.isIdentifier(next.expression) || next.expression.text !== name) return undefined;
  if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) return undefined;
  return /^\r?\n$/.test(sf.text.slice(statement.end, next.getStart(sf))) ? next : undefined;
}

/** `fn` is the function value of a variable, property or default export (possibly already wrapped in `call`). */
function locateValue(fn: ts.ArrowFunction | ts.FunctionExpression, holder: ts.Node, call: ts.CallExpression | undefined, ctx: Context): Located | Refusal {
  const { sf } = ctx;
  const cached = call ? { call, options: call.arguments[1] } : undefined;
  const wrapped = call ? undefined : fn;
  if (ts.isVariableDeclaration(holder)) {
    if (!ts.isIdentifier(holder.name)) return refuse('anonymous', 'This function is bound through destructuring: assign it to a plain const name, then cache it.');
    const name = holder.name.text;
    const statement = holder.parent.parent;
    if (!ts.isVariableStatement(statement) || !isModuleLevelStatement(statement)) {
      return refuse('not-module-level', `Function ${name} is declared inside another function or block, so a cached version would get a new, empty cache each time that code runs. Move it to the top level of the module, then cache it.`);
    }
    if (!cached) {
      const refusal = checkFunction(fn, `Function ${name}`, sf);
      if (refusal) return refusal;
    }
    const base = { name, fn, outer: statement, nameNode: holder.name };
    const declarationForm =
      cached !== undefined &&
      ts.isFunctionExpression(fn) &&
      fn.name !== undefined &&
      (fn.name.text === name || (fn.name.text.startsWith(`${name}Uncached`) && /^\d*$/.test(fn.name.text.slice(name.length + 8)))) &&
      (statement.declarationList.flags & ts.NodeFlags.Const) !== 0 &&
      statement.declarationList.declarations.length === 1;
    if (declarationForm) {
      const index = sf.statements.indexOf(statement);
      const next = sf.statements[index + 1];
      const exportDefault = writtenExportDefault(statement, next, name, sf);
      return { ...base, kind: 'function-declaration', cached, statement, ...(exportDefault ? { exportDefault } : {}) };
    }
    return { ...base, kind: 'variable-function', ...(cached ? { cached } : { wrapped: wrapped! }) };
  }
  if (ts.isPropertyAssignment(holder)) {
    const key = propertyName(holder.name, sf);
    const owner = objectOwner(holder.parent as ts.ObjectLiteralExpression, sf);
    if (key === undefined || !ts.isIdentifier(holder.name)) return refuse('anonymous', 'This property has a computed or quoted name: give it a plain identifier name, then cache it.');
    if (owner === undefined) {
      return refuse('not-module-level', `The object holding ${key} is not assigned to a module-level variable, so a cached version would get a new, empty cache each time the object is created. Assign the object to a module-level const, then cache the method.`);
    }
    const name = `${owner}.${key}`;
    if (!cached) {
      const refusal = checkFunction(fn, `Method ${name}`, sf);
      if (refusal) return refusal;
    }
    return { kind: 'object-method', name, fn, outer: holder, nameNode: holder.name, ...(cached ? { cached } : { wrapped: wrapped! }) };
  }
  if (ts.isExportAssignment(holder)) {
    if (!cached) {
      const refusal = checkFunction(fn, 'The default export', sf);
      if (refusal) return refusal;
    }
    return { kind: 'default-function', name: 'default', fn, outer: holder, nameNode: fn, ...(cached ? { cached } : { wrapped: wrapped! }) };
  }
  return refuse('unrecognized-form', 'This function is not assigned to a name the cache id can be built from: assign it to a module-level const, then cache it.');
}

/** `a.b.c` as its identifiers, or undefined when a part is computed or not an identifier. */
function accessChain(node: ts.Expression): string[] | undefined {
  if (ts.isIdentifier(node)) return [node.text];
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
    const head = accessChain(node.expression);
    return head ? [...head, node.name.text] : undefined;
  }
  return undefined;
}

/**
 * The display name of a function assigned to `chain`: `exports.x` and `module.exports.x` -> `x`,
 * `module.exports` -> `default`, `View.prototype.render` -> `View.render`, `app.handle` as is.
 */
function assignedName(chain: readonly string[]): string {
  let rest = [...chain];
  if (rest[0] === 'module' && rest[1] === 'exports') rest = rest.slice(2);
  else if (rest[0] === 'exports') rest = rest.slice(1);
  rest = rest.filter((part) => part !== 'prototype');
  return rest.length === 0 ? 'default' : rest.join('.');
}

/** The `left = fn` assignment statement holding `fn` (`exports.x = function`, `View.prototype.m = function`), if any. */
function assignmentOf(value: ts.Node): ts.BinaryExpression | undefined {
  const outer = unwrapOuter(value);
  const parent = outer.parent;
  return ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === outer && ts.isExpressionStatement(parent.parent)
    ? parent
    : undefined;
}

/** A function assigned to a property: `exports.x = function x() {}`, `module.exports = () => {}`, `View.prototype.render = function () {}`. */
function locateAssigned(fn: ts.ArrowFunction | ts.FunctionExpression, assignment: ts.BinaryExpression, call: ts.CallExpression | undefined, ctx: Context): Located | Refusal {
  const { sf } = ctx;
  const left = assignment.left.getText(sf);
  if (!isModuleLevelStatement(assignment.parent)) {
    return refuse('not-module-level', `This function is assigned to ${left} inside another function or block, so a cached version would get a new, empty cache each time that code runs. Assign it at the top level of the module, then cache it.`);
  }
  const chain = accessChain(assignment.left);
  if (chain?.length === 1) {
    return refuse('unrecognized-form', `This function is assigned to the variable ${left} after its declaration, so the variable may hold other values too: declare it as const ${left} = ... at the top level, then cache it.`);
  }
  if (chain === undefined) {
    return refuse('anonymous', `This function is assigned to ${left}, which is not a plain property path (like exports.name or Class.prototype.name) to build the cache id from: assign it to a module-level const or a plain property, then cache it.`);
  }
  const name = assignedName(chain);
  const base = { kind: 'assigned-function' as const, name, fn, outer: assignment.parent, nameNode: assignment.left };
  if (call) return { ...base, cached: { call, options: call.arguments[1] } };
  const refusal = checkFunction(fn, `Function ${left}`, sf);
  if (refusal) return refusal;
  if (ts.isFunctionExpression(fn) && usesReceiver(fn, ts.SyntaxKind.ThisKeyword)) {
    const prototype = chain.includes('prototype');
    return refuse(
      'unsafe-object-method',
      prototype
        ? `Method ${left} uses this: a wrapped function's cache is keyed by its arguments only, so one instance would be served another instance's result. Cache a module-level function that takes what the method reads from this as arguments, and call it from the method.`
        : `Function ${left} uses this: a wrapped function's cache is keyed by its arguments only, so a call on one object could be served the result computed for another. Cache a module-level function that takes what it reads from this as arguments.`,
    );
  }
  return { ...base, wrapped: fn };
}

/** How a function that is not a cacheable target is written, for the refusal. */
function describeForm(fn: ts.ArrowFunction | ts.FunctionExpression, sf: ts.SourceFile): string {
  const outer = unwrapOuter(fn);
  const parent = outer.parent;
  const short = (node: ts.Node): string => {
    const text = node.getText(sf).replace(/\s+/g, ' ');
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  };
  if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== outer) return `a callback passed to ${short(parent.expression)}(...)`;
  if (ts.isReturnStatement(parent) || ts.isArrowFunction(parent)) return 'returned by another function';
  if (ts.isBinaryExpression(parent) && parent.right === outer) return `assigned to ${short(parent.left)} as part of a larger expression`;
  return 'an unnamed function expression';
}

function locateObjectMethod(method: ts.MethodDeclaration, ctx: Context): Located | Refusal {
  const { sf } = ctx;
  const object = method.parent as ts.ObjectLiteralExpression;
  const key = ts.isIdentifier(method.name) ? method.name.text : undefined;
  if (key === undefined) return refuse('anonymous', 'This method has a computed or quoted name: give it a plain identifier name, then cache it.');
  const owner = objectOwner(object, sf);
  if (owner === undefined) {
    return refuse('not-module-level', `The object holding ${key} is not assigned to a module-level variable, so a cached version would get a new, empty cache each time the object is created. Assign the object to a module-level const, then cache the method.`);
  }
  const name = `${owner}.${key}`;
  if (!method.body) return refuse('overload-signature', `This is an overload signature of ${name}: put the cursor on the implementation, then cache it.`);
  const refusal = checkFunction(method, `Method ${name}`, sf);
  if (refusal) return refusal;
  if (usesReceiver(method, ts.SyntaxKind.SuperKeyword)) {
    return refuse('unsafe-object-method', `Method ${name} uses super, which only works in method syntax, so it cannot be wrapped. Cache a module-level function that does the work instead.`);
  }
  if (!ctx.javascript && usesReceiver(method, ts.SyntaxKind.ThisKeyword)) {
    return refuse('unsafe-object-method', `Method ${name} uses this, whose type the wrapped function would lose (the cache key would not see it either). Pass what it needs as arguments, or cache a module-level function instead.`);
  }
  return { kind: 'object-method', name, fn: method, outer: method, nameNode: method.name };
}

/** From a `memoize(...)` call to the target it caches. */
function locateCall(call: ts.CallExpression, ctx: Context): Located | Refusal | undefined {
  const { sf } = ctx;
  if (ts.isDecorator(call.parent)) {
    const method = call.parent.parent;
    return ts.isMethodDeclaration(method) ? locateMethod(method, ctx) : undefined;
  }
  const first = call.arguments[0];
  if (!first) return undefined;
  const holder = call.parent;
  if (ts.isArrowFunction(first) || ts.isFunctionExpression(first)) {
    if ((ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)) && holder.initializer === call) return locateValue(first, holder, call, ctx);
    if (ts.isExportAssignment(holder)) return locateValue(first, holder, call, ctx);
    const assignment = assignmentOf(call);
    if (assignment) return locateAssigned(first, assignment, call, ctx);
    return undefined;
  }
  if (ts.isIdentifier(first) && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name)) {
    const renamed = declarationsNamed(sf, first.text);
    const impl = renamed[renamed.length - 1];
    const statement = holder.parent.parent;
    if (!impl?.body || !ts.isVariableStatement(statement) || !isModuleLevelStatement(statement)) return undefined;
    const name = holder.name.text;
    const next = sf.statements[sf.statements.indexOf(statement) + 1];
    const exportDefault = writtenExportDefault(statement, next, name, sf);
    return {
      kind: 'overloaded-function',
      name,
      fn: impl,
      outer: statement,
      nameNode: holder.name,
      cached: { call, options: call.arguments[1] },
      statement,
      renamed,
      ...(exportDefault ? { exportDefault } : {}),
    };
  }
  return undefined;
}

/** Finds the cacheable (or cached) target under `offset`, or says why there is none. */
export function locate(sf: ts.SourceFile, offset: number, ctx: Omit<Context, 'sf'>): Located | Refusal {
  const context: Context = { ...ctx, sf };
  const path = pathAt(sf, offset);
  let unnamed: ts.ArrowFunction | ts.FunctionExpression | undefined; // the innermost function passed over
  for (let i = path.length - 1; i > 0; i--) {
    const node = path[i]!;
    if (ts.isMethodDeclaration(node)) {
      if (ts.isObjectLiteralExpression(node.parent)) return locateObjectMethod(node, context);
      if (ts.isClassLike(node.parent)) return locateMethod(node, context);
    }
    if (ts.isConstructorDeclaration(node)) {
      return refuse('constructor', 'Constructors cannot be cached: each call must create a new object. Cache a method or a function that computes the value instead.');
    }
    if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      return refuse('accessor', 'Getters and setters cannot be cached with memoize. Turn the work into a method (or a function) that returns the value, then cache that.');
    }
    if (ts.isFunctionDeclaration(node)) return locateFunctionDeclaration(node, context);
    if (ts.isCallExpression(node) && isMemoizeCall(node, ctx.callee, sf)) {
      const found = locateCall(node, context);
      if (found) return found;
    }
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const parent = node.parent;
      if (ts.isCallExpression(parent) && isMemoizeCall(parent, ctx.callee, sf) && parent.arguments[0] === node) {
        const found = locateCall(parent, context);
        if (found) return found;
      }
      if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.initializer === node) return locateValue(node, parent, undefined, context);
      if (ts.isExportAssignment(parent) && !parent.isExportEquals) return locateValue(node, parent, undefined, context);
      const assignment = assignmentOf(node);
      if (assignment) return locateAssigned(node, assignment, undefined, context);
      unnamed ??= node;
      continue; // an anonymous callback: the target may be further out
    }
    const holder = ts.isVariableStatement(node)
      ? node.declarationList.declarations.length === 1 ? node.declarationList.declarations[0] : undefined
      : ts.isVariableDeclarationList(node)
        ? node.declarations.length === 1 ? node.declarations[0] : undefined
        : ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)
          ? node
          : ts.isExportAssignment(node) ? node : undefined;
    if (holder) {
      const value = ts.isExportAssignment(holder) ? holder.expression : holder.initializer;
      if (value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value))) return locateValue(value, holder, undefined, context);
      if (value && isMemoizeCall(value, ctx.callee, sf)) {
        const found = locateCall(value, context);
        if (found) return found;
      }
    }
    // The cursor on the left of `exports.x = function ...` (or of its cached form).
    if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression) && node.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const right = node.expression.right;
      if (ts.isArrowFunction(right) || ts.isFunctionExpression(right)) return locateAssigned(right, node.expression, undefined, context);
      if (isMemoizeCall(right, ctx.callee, sf)) {
        const found = locateCall(right, context);
        if (found) return found;
      }
    }
    if (ts.isClassLike(node) || ts.isPropertyDeclaration(node)) {
      return refuse('no-target', 'The cursor is in a class but not in a method: put it on a method (its name or body) to cache it. Class fields holding arrow functions are not supported; make them methods.');
    }
  }
  if (unnamed) {
    return refuse('unrecognized-form', `The function at the cursor is ${describeForm(unnamed, sf)}: it has no module-level name to cache it under. Cache the function it calls, or give it a name (a module-level const or function) and use that.`);
  }
  return refuse('no-target', 'The cursor is not inside a function, method or const-assigned function: put it on the name or in the body of the function to cache.');
}
