import { ts } from 'ts-morph';
import { backendType, configuredDefault, planConfig } from './config.js';
import { normalizeEdits, toOffset } from './edits.js';
import { countUses, findMemoizeBinding, hasTopLevelName, planImport, planImportRemoval } from './imports.js';
import { locate, type Located } from './locate.js';
import { readOptions, renderOptions, rewriteOptions, validateOptions } from './options.js';
import { planPackageJson } from './packageJson.js';
import { SOURCE_EXTENSION_LIST } from './source-files.js';
import { afterTrailingComments, detectStyle, firstSyntaxError, indentAt, isJavaScript, parse, sourceExtension, startsLine, type Style } from './parse.js';
import {
  refuse,
  type AnalyzeInput,
  type AnalyzeResult,
  type CacheEdits,
  type CacheInput,
  type CacheResult,
  type DecoratorFlavour,
  type Refusal,
  type Target,
  type TextEdit,
  type UncacheInput,
  type UncacheResult,
} from './types.js';

interface Prepared {
  readonly sf: ts.SourceFile;
  readonly style: Style;
  readonly located: Located;
  readonly target: Target;
  readonly callee: string;
  readonly useRequire: boolean;
}

/** Whether a JavaScript file uses require(): `.cjs` always, `.mjs` never, `.js`/`.jsx` by what the file already does. */
function usesRequire(sf: ts.SourceFile, ext: string): boolean {
  if (ext === '.cjs') return true;
  if (ext !== '.js' && ext !== '.jsx') return false;
  let esm = false;
  let cjs = false;
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) || ts.isExportAssignment(statement)) esm = true;
    if (ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) esm = true;
    const text = statement.getText(sf);
    if (/\brequire\s*\(|\bmodule\.exports\b|\bexports\.\w/.test(text)) cjs = true;
  }
  return cjs && !esm;
}

function prepare(input: AnalyzeInput, flavour: DecoratorFlavour | undefined): Prepared | Refusal {
  const ext = sourceExtension(input.fileName);
  if (ext === undefined) {
    return refuse('unsupported-file', `${input.fileName} is not a TypeScript or JavaScript source file (${SOURCE_EXTENSION_LIST}; not .d.ts): open the file where the function is implemented.`);
  }
  const source = parse(input.text, input.fileName, ext);
  const sf = source.compilerNode;
  const error = firstSyntaxError(source);
  if (error) {
    const { line, character } = sf.getLineAndCharacterOfPosition(error.offset);
    return refuse('syntax-error', `${input.fileName} has a syntax error at line ${line + 1}:${character + 1} (${error.message}): fix it first, so the change cannot break the file further.`);
  }
  const offset = toOffset(input.text, input.position);
  if (offset === undefined) {
    return refuse('no-target', `The position ${JSON.stringify(input.position)} is outside ${input.fileName}: pass a line and character within the file.`);
  }
  const javascript = isJavaScript(ext);
  const binding = findMemoizeBinding(sf);
  // Without a binding from the runtime, a `memoize` declared or imported from elsewhere (lodash...)
  // is not ours: match nothing rather than mistake its calls for cached functions.
  const callee = binding?.callee ?? (hasTopLevelName(sf, 'memoize') ? '\u0000' : 'memoize');
  const located = locate(sf, offset, { callee, flavour: javascript ? 'none' : (flavour ?? 'standard'), javascript });
  if ('ok' in located) return located;
  if (!javascript && !located.cached) {
    const statics = expandoAssignment(sf, located);
    if (statics) return statics;
  }
  const relPath = (input.relPath ?? input.fileName).replace(/\\/g, '/');
  const optionsNode = located.cached?.options;
  const cached = located.cached
    ? optionsNode && ts.isObjectLiteralExpression(optionsNode)
      ? readOptions(optionsNode, sf)
      : { raw: {} }
    : undefined;
  const rangeStart = located.outer.getStart(sf);
  const nameStart = located.nameNode.getStart(sf);
  const nameEnd = ts.isFunctionDeclaration(located.nameNode) || ts.isFunctionExpression(located.nameNode) || ts.isArrowFunction(located.nameNode)
    ? nameStart
    : located.nameNode.end;
  const isAsync = (ts.getModifiers(located.fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  const declared = located.fn.type;
  const declaresPromise = declared !== undefined && ts.isTypeReferenceNode(declared) &&
    /^(Promise|PromiseLike)$/.test(declared.typeName.getText(sf));
  const target: Target = {
    kind: located.kind,
    form: located.kind === 'method' ? 'decorator' : 'wrapper',
    name: located.name,
    id: cached?.id ?? `${relPath}#${located.name}`,
    range: { start: rangeStart, end: (located.exportDefault ?? located.outer).end },
    nameRange: { start: nameStart, end: nameEnd },
    isAsync,
    returnsPromise: isAsync || declaresPromise,
    ...(cached ? { cached } : {}),
  };
  return { sf, style: detectStyle(source, input.text), located, target, callee, useRequire: javascript && usesRequire(sf, ext) };
}

/**
 * TypeScript accepts `f.displayName = ...` only on a function it sees declared directly (a function
 * declaration, or a const holding a function expression); on `const f = memoize(...)` the
 * property does not exist (TS2339). Refused before the edit, naming the assignment.
 */
function expandoAssignment(sf: ts.SourceFile, located: Located): Refusal | undefined {
  if (located.kind !== 'function-declaration' && located.kind !== 'variable-function' && located.kind !== 'overloaded-function') return undefined;
  const name = located.name;
  for (const statement of sf.statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression)) continue;
    const left = statement.expression.left;
    if (statement.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(left)) continue;
    if (!ts.isIdentifier(left.expression) || left.expression.text !== name) continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(left.getStart(sf));
    return refuse(
      'type-errors',
      `${name} gets properties assigned (${left.getText(sf)} at line ${line + 1}:${character + 1}): TypeScript allows that only on a function it sees declared directly, so on the cached ${name} it would be an error (TS2339). Cache the work ${name} does in a separate function and call that from ${name}.`,
    );
  }
  return undefined;
}

/**
 * What is under the cursor: a cacheable target (with `cached` set when it already is cached, so
 * the UI can offer "Change cache settings" / "Remove caching") or a refusal saying why not.
 * Pure and cheap (one parse, reused while the text is unchanged): fit for enabling menus and code actions.
 */
export function analyzeAt(input: AnalyzeInput): AnalyzeResult {
  const prepared = prepare(input, input.flavour);
  if ('ok' in prepared) return prepared;
  return { ok: true, target: prepared.target };
}

/** Position of the `async` modifier or the `function` keyword of a function declaration/expression. */
function functionKeywordStart(fn: ts.FunctionDeclaration | ts.FunctionExpression, sf: ts.SourceFile): number {
  const asyncModifier = (ts.getModifiers(fn) ?? []).find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  if (asyncModifier) return asyncModifier.getStart(sf);
  const keyword = fn.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.FunctionKeyword);
  return keyword ? keyword.getStart(sf) : fn.getStart(sf);
}

/** `export ` / `export default ` prefix of a declaration: its range and text. */
function exportPrefix(decl: ts.FunctionDeclaration, sf: ts.SourceFile): { start: number; end: number; isDefault: boolean } | undefined {
  const modifiers = ts.getModifiers(decl) ?? [];
  const exportModifier = modifiers.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  if (!exportModifier) return undefined;
  return {
    start: exportModifier.getStart(sf),
    end: functionKeywordStart(decl, sf),
    isDefault: modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword),
  };
}

function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}

/** `nameUncached` (or `nameUncached2`...): a name no identifier of the file uses yet. */
function uncachedName(sf: ts.SourceFile, name: string): string {
  const names = topLevelNames(sf);
  let renamed = `${name}Uncached`;
  for (let n = 2; names.has(renamed); n++) renamed = `${name}Uncached${n}`;
  return renamed;
}

/** Whether the body of `fn` refers to `name` (conservatively: any identifier of that text that is not a property name). */
function callsItself(fn: ts.FunctionLikeDeclaration, name: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === name && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) found = true;
    else ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/** Where a statement's text begins, its leading comments included (where a statement inserted before it goes). */
function statementStart(sf: ts.SourceFile, statement: ts.Statement): number {
  const comments = ts.getLeadingCommentRanges(sf.text, statement.pos) ?? [];
  return comments.length > 0 ? comments[0]!.pos : statement.getStart(sf);
}

/** `pos` moved past up to `count` line breaks that follow it directly. */
function afterLineBreaks(text: string, pos: number, count: number): number {
  let end = pos;
  for (let i = 0; i < count; i++) {
    if (text.startsWith('\r\n', end)) end += 2;
    else if (text.startsWith('\n', end)) end += 1;
  }
  return end;
}

/** `expr` -> `callee(expr, options)`. */
function wrap(expr: ts.Node, sf: ts.SourceFile, callee: string, options: string): TextEdit[] {
  const start = expr.getStart(sf);
  return [
    { start, end: start, newText: `${callee}(` },
    { start: expr.end, end: expr.end, newText: `, ${options})` },
  ];
}

/** `memoize(arg, options)` -> `arg`; `end` extends the removal past the call (a `;` the wrapper form added). */
function unwrap(call: ts.CallExpression, arg: ts.Node, sf: ts.SourceFile, end = call.end): TextEdit[] {
  return [
    { start: call.getStart(sf), end: arg.getStart(sf), newText: '' },
    { start: arg.end, end, newText: '' },
  ];
}

/** Edits that add caching to an uncached target. */
function addCaching(p: Prepared, callee: string, options: string): TextEdit[] {
  const { sf, style, located } = p;
  const text = sf.text;
  const semi = style.semicolon ? ';' : '';
  const eol = style.eol;
  switch (located.kind) {
    case 'method': {
      const start = located.fn.getStart(sf);
      const gap = startsLine(text, start) ? `${eol}${indentAt(text, start)}` : ' ';
      return [{ start, end: start, newText: `@${callee}(${options})${gap}` }];
    }
    case 'function-declaration': {
      const decl = located.fn as ts.FunctionDeclaration;
      const name = located.name;
      const at = functionKeywordStart(decl, sf);
      const prefix = exportPrefix(decl, sf);
      // A recursive call names the function expression itself, which would bypass the cache: the
      // expression gets another name, so the body's `name` is the cached const (as lru_cache does).
      const rename: TextEdit[] = callsItself(decl, name)
        ? [{ start: decl.name!.getStart(sf), end: decl.name!.end, newText: uncachedName(sf, name) }]
        : [];
      if (prefix?.isDefault) {
        return [
          { start: prefix.start, end: at, newText: `const ${name} = ${callee}(` },
          ...rename,
          { start: decl.end, end: decl.end, newText: `, ${options})${semi}${eol}export default ${name}${semi}` },
        ];
      }
      return [
        { start: at, end: at, newText: `const ${name} = ${callee}(` },
        ...rename,
        { start: decl.end, end: decl.end, newText: `, ${options})${semi}` },
      ];
    }
    case 'overloaded-function': {
      const name = located.name;
      const renamed = uncachedName(sf, name);
      const edits: TextEdit[] = [];
      let exported: { isDefault: boolean } | undefined;
      for (const decl of located.declarations!) {
        const prefix = exportPrefix(decl, sf);
        if (prefix) {
          exported = prefix;
          edits.push({ start: prefix.start, end: prefix.end, newText: '' });
        }
        edits.push({ start: decl.name!.getStart(sf), end: decl.name!.end, newText: renamed });
      }
      const impl = located.fn;
      const line = `${exported && !exported.isDefault ? 'export ' : ''}const ${name} = ${callee}(${renamed}, ${options})${semi}`;
      const tail = exported?.isDefault ? `${eol}export default ${name}${semi}` : '';
      if (located.hoistBefore) {
        // Read before its declaration (exports.f = f above function f): the const goes before
        // that read, on its own paragraph; the renamed declaration stays hoisted.
        const at = statementStart(sf, located.hoistBefore);
        edits.push({ start: at, end: at, newText: `${line}${tail}${eol}${eol}` });
        return edits;
      }
      const at = afterTrailingComments(text, impl.end);
      edits.push({ start: at, end: at, newText: `${eol}${line}${tail}` });
      return edits;
    }
    case 'default-function': {
      if (located.wrapped) return wrap(located.wrapped, sf, callee, options);
      const decl = located.fn as ts.FunctionDeclaration;
      const at = functionKeywordStart(decl, sf);
      return [
        { start: at, end: at, newText: `${callee}(` },
        { start: decl.end, end: decl.end, newText: `, ${options})${semi}` },
      ];
    }
    case 'assigned-function':
      return wrap(located.wrapped!, sf, callee, options);
    case 'variable-function':
    case 'object-method': {
      if (located.wrapped) return wrap(located.wrapped, sf, callee, options);
      // Object method syntax `async name(...) {}` -> `name: memoize(async function name(...) {}, {...})`.
      const method = located.fn as ts.MethodDeclaration;
      const name = (method.name as ts.Identifier).text;
      const isAsync = (ts.getModifiers(method) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
      return [
        { start: method.getStart(sf), end: method.name.end, newText: `${name}: ${callee}(${isAsync ? 'async ' : ''}function ${name}` },
        { start: method.end, end: method.end, newText: `, ${options})` },
      ];
    }
  }
}

/** Edits that remove caching from a cached target, restoring the form the codemod started from. */
function removeCaching(p: Prepared): TextEdit[] | Refusal {
  const { sf, located } = p;
  const text = sf.text;
  const cached = located.cached!;
  const { call } = cached;
  if (cached.decorator) {
    let end = cached.decorator.end;
    while (end < text.length && /[ \t\r\n]/.test(text[end]!)) end++;
    return [{ start: cached.decorator.getStart(sf), end, newText: '' }];
  }
  const arg = call.arguments[0]!;
  switch (located.kind) {
    case 'function-declaration': {
      const statement = located.statement!;
      const keywordStart = statement.declarationList.getStart(sf);
      // A recursive function was renamed `nameUncached` when cached: it gets its name back.
      const inner = ts.isFunctionExpression(arg) ? arg.name : undefined;
      const restoredName: TextEdit[] = inner && inner.text !== located.name ? [{ start: inner.getStart(sf), end: inner.end, newText: located.name }] : [];
      if (located.exportDefault) {
        return [
          { start: keywordStart, end: arg.getStart(sf), newText: 'export default ' },
          ...restoredName,
          { start: arg.end, end: located.exportDefault.end, newText: '' },
        ];
      }
      return [
        { start: keywordStart, end: arg.getStart(sf), newText: '' },
        ...restoredName,
        { start: arg.end, end: statement.end, newText: '' },
      ];
    }
    case 'overloaded-function': {
      const statement = located.statement!;
      const index = sf.statements.indexOf(statement);
      const end = (located.exportDefault ?? statement).end;
      const exported = (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const prefix = located.exportDefault ? 'export default ' : exported ? 'export ' : '';
      // The hoisting-safe form (the const above the declarations) was inserted with a blank line
      // after it, before the statement that reads the function; the other form after the implementation.
      const hoisted = statement.pos < located.renamed![0]!.pos;
      const edits: TextEdit[] = [
        hoisted
          ? { start: statementStart(sf, statement), end: afterLineBreaks(text, end, 2), newText: '' }
          : { start: afterTrailingComments(text, sf.statements[index - 1]!.end), end, newText: '' },
      ];
      for (const decl of located.renamed!) {
        if (prefix) {
          const at = functionKeywordStart(decl, sf);
          edits.push({ start: at, end: at, newText: prefix });
        }
        edits.push({ start: decl.name!.getStart(sf), end: decl.name!.end, newText: located.name });
      }
      return edits;
    }
    case 'default-function': {
      const holder = call.parent;
      const declarationForm = ts.isFunctionExpression(arg) && arg.name === undefined && ts.isExportAssignment(holder);
      return unwrap(call, arg, sf, declarationForm ? holder.end : call.end);
    }
    case 'object-method': {
      const holder = call.parent;
      const fnName = ts.isFunctionExpression(arg) ? arg.name : undefined;
      if (ts.isPropertyAssignment(holder) && fnName && fnName.text === located.name.split('.').pop()) {
        const isAsync = (ts.getModifiers(arg as ts.FunctionExpression) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
        return [
          { start: holder.getStart(sf), end: fnName.end, newText: `${isAsync ? 'async ' : ''}${fnName.text}` },
          { start: arg.end, end: call.end, newText: '' },
        ];
      }
      return unwrap(call, arg, sf);
    }
    case 'variable-function':
    case 'assigned-function':
      return unwrap(call, arg, sf);
    case 'method':
      return refuse('unrecognized-form', `${located.name} is cached in a form the codemod did not write: remove the memoize call by hand.`);
  }
}

/**
 * The 1-based line where memoize's require() is (or will be inserted) when that is after the
 * statement `before`, where the hoisting-safe form calls memoize; undefined when it comes first.
 */
function requireAfter(sf: ts.SourceFile, importEdits: readonly TextEdit[], before: ts.Statement): number | undefined {
  const limit = statementStart(sf, before);
  const at = importEdits.length > 0 ? importEdits[0]!.start : findMemoizeBinding(sf)?.statement?.getStart(sf);
  return at !== undefined && at > limit ? sf.getLineAndCharacterOfPosition(at).line + 1 : undefined;
}

/**
 * Caches the function under the cursor: edits for the source (decorator or wrapper, plus the
 * import), cachelens.config.json (created when absent, a built-in backend added when missing) and
 * package.json (the runtime and the backend's driver when missing; see `runtimeSource`). When the target is already cached, its options
 * are rewritten in place (`change: 'updated'`, or `'unchanged'` with no source edits), unless
 * `onCached: 'refuse'`, which answers with code `already-cached`. Never reads or writes files.
 */
export function cacheFunction(input: CacheInput): CacheResult {
  const invalid = validateOptions(input.options);
  if (invalid) return refuse('invalid-options', invalid);
  const prepared = prepare(input, input.flavour);
  if ('ok' in prepared) return prepared;
  const { sf, style, located, target } = prepared;
  const quote = style.quote;

  const config = planConfig(input.config, input.options.backend);
  if (config && 'ok' in config) return config;
  const backend = input.options.backend ?? configuredDefault(input.config?.text);
  const driverType = backend === undefined ? undefined : backendType(input.config?.text, backend);
  const packageJson = planPackageJson(input.packageJson, input.runtimeVersion, input.runtimeSource ?? 'vendor', driverType, input.runtimeResolves ?? false);
  if (packageJson && 'ok' in packageJson) return packageJson;
  const extra = (edits: CacheEdits): CacheEdits => ({
    ...edits,
    ...(config ? { config } : {}),
    ...(packageJson
      ? {
          packageJson: packageJson.edits,
          addedDependencies: packageJson.added,
          ...(packageJson.runtimeTarball !== undefined ? { runtimeTarball: packageJson.runtimeTarball } : {}),
        }
      : {}),
  });

  if (located.cached) {
    if (input.onCached === 'refuse') {
      return refuse('already-cached', `${target.name} is already cached (${located.cached.options?.getText(sf) ?? 'no options'}): use "Change cache settings" to edit its options, or "Remove caching".`, target);
    }
    const optionsNode = located.cached.options;
    if (!optionsNode || !ts.isObjectLiteralExpression(optionsNode)) {
      return refuse('unrecognized-form', `The options of ${target.name} are not an object literal, so they cannot be edited in place: edit them by hand.`, target);
    }
    const newText = rewriteOptions(optionsNode, sf, target.id, input.options, quote);
    const source = normalizeEdits(sf.text, [{ start: optionsNode.getStart(sf), end: optionsNode.end, newText }]);
    return { ok: true, edits: extra({ source }), target, change: source.length > 0 ? 'updated' : 'unchanged' };
  }

  const imports = planImport(sf, style, prepared.useRequire);
  const late = prepared.useRequire && located.hoistBefore ? requireAfter(sf, imports.edits, located.hoistBefore) : undefined;
  if (late !== undefined) {
    const { line } = sf.getLineAndCharacterOfPosition(located.hoistBefore!.getStart(sf));
    return refuse(
      'hoisting',
      `${target.name} is read at line ${line + 1} before its declaration, so the cached ${target.name} must be created above that line, but memoize can be required only below it (line ${late}, after the other require() calls): move those above line ${line + 1}, then cache it.`,
      target,
    );
  }
  const options = renderOptions(target.id, input.options, quote);
  const source = normalizeEdits(sf.text, [...imports.edits, ...addCaching(prepared, imports.callee, options)]);
  return { ok: true, edits: extra({ source }), target, change: 'created' };
}

/**
 * Removes caching from the target under the cursor and restores the form it had before
 * `cacheFunction` (cache then uncache is the identity when nothing else changed). The memoize
 * import goes too when nothing else in the file uses it. Config and package.json are left alone.
 */
export function uncacheFunction(input: UncacheInput): UncacheResult {
  const prepared = prepare(input, input.flavour ?? 'standard');
  if ('ok' in prepared) return prepared;
  const { sf, located, target } = prepared;
  if (!located.cached) {
    return refuse('not-cached', `${target.name} is not cached: there is nothing to remove.`, target);
  }
  const edits = removeCaching(prepared);
  if ('ok' in edits) return edits;
  const binding = findMemoizeBinding(sf);
  const importEdits = binding?.element && countUses(sf, binding) <= 1 ? planImportRemoval(sf, binding) : [];
  return { ok: true, edits: { source: normalizeEdits(sf.text, [...importEdits, ...edits]) }, target };
}
