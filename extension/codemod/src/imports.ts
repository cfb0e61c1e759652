import { ts } from 'ts-morph';
import { afterTrailingComments, type Style } from './parse.js';
import type { TextEdit } from './types.js';

export const PACKAGE = 'cachelens';

/** How `memoize` from the runtime is reachable in a file, and where its binding is declared. */
export interface MemoizeBinding {
  /** The callee text: `memoize`, an alias, or `ns.memoize` for a namespace import / plain require. */
  readonly callee: string;
  /** The import specifier or binding element naming memoize (absent for namespace access). */
  readonly element?: ts.ImportSpecifier | ts.BindingElement;
  /** The whole import declaration or variable statement that holds the binding. */
  readonly statement?: ts.Statement;
}

function isRequireOf(node: ts.Expression | undefined, name: string): boolean {
  return (
    node !== undefined &&
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'require' &&
    node.arguments.length === 1 &&
    ts.isStringLiteral(node.arguments[0]!) &&
    node.arguments[0].text === name
  );
}

export function isRequireStatement(statement: ts.Statement): boolean {
  return (
    ts.isVariableStatement(statement) &&
    statement.declarationList.declarations.some((d) => {
      const init = d.initializer;
      return init !== undefined && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require';
    })
  );
}

/** Finds the file's binding of the runtime's `memoize`, if it imports or requires it. */
export function findMemoizeBinding(sf: ts.SourceFile): MemoizeBinding | undefined {
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text === PACKAGE) {
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly || !clause.namedBindings) continue;
      if (ts.isNamespaceImport(clause.namedBindings)) return { callee: `${clause.namedBindings.name.text}.memoize`, statement };
      for (const element of clause.namedBindings.elements) {
        if (!element.isTypeOnly && (element.propertyName ?? element.name).text === 'memoize') {
          return { callee: element.name.text, element, statement };
        }
      }
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!isRequireOf(declaration.initializer, PACKAGE)) continue;
        if (ts.isIdentifier(declaration.name)) return { callee: `${declaration.name.text}.memoize`, statement };
        if (ts.isObjectBindingPattern(declaration.name)) {
          for (const element of declaration.name.elements) {
            const key = element.propertyName ?? element.name;
            if (ts.isIdentifier(key) && key.text === 'memoize' && ts.isIdentifier(element.name)) {
              return { callee: element.name.text, element, statement };
            }
          }
        }
      }
    }
  }
  return undefined;
}

/** True when `expression` calls the runtime's memoize through `callee` (`memoize(...)` or `ns.memoize(...)`). */
export function isMemoizeCall(expression: ts.Node, callee: string, sf: ts.SourceFile): expression is ts.CallExpression {
  return ts.isCallExpression(expression) && expression.expression.getText(sf) === callee;
}

/** Top-level names declared in the file (to avoid shadowing an existing `memoize`). */
function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      if (clause.namedBindings) {
        if (ts.isNamespaceImport(clause.namedBindings)) names.add(clause.namedBindings.name.text);
        else for (const element of clause.namedBindings.elements) names.add(element.name.text);
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      names.add(statement.name.text);
    }
  }
  return names;
}

export function hasTopLevelName(sf: ts.SourceFile, name: string): boolean {
  return topLevelNames(sf).has(name);
}

export interface ImportPlan {
  readonly callee: string;
  readonly edits: readonly TextEdit[];
}

/**
 * Makes `memoize` available: reuses an existing binding, merges into an existing named import (or
 * `require` destructuring) of the runtime, or adds one statement after the last import/require.
 */
export function planImport(sf: ts.SourceFile, style: Style, useRequire: boolean): ImportPlan {
  const existing = findMemoizeBinding(sf);
  if (existing) return { callee: existing.callee, edits: [] };
  const local = topLevelNames(sf).has('memoize') ? 'cachelensMemoize' : 'memoize';
  const specifier = local === 'memoize' ? 'memoize' : useRequire ? `memoize: ${local}` : `memoize as ${local}`;

  // Merge into `import { a } from "cachelens"` or `const { a } = require("cachelens")`.
  for (const statement of sf.statements) {
    let elements: ts.NodeArray<ts.ImportSpecifier> | ts.NodeArray<ts.BindingElement> | undefined;
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text === PACKAGE) {
      const bindings = statement.importClause?.namedBindings;
      if (statement.importClause && !statement.importClause.isTypeOnly && bindings && ts.isNamedImports(bindings)) elements = bindings.elements;
    } else if (ts.isVariableStatement(statement)) {
      const declaration = statement.declarationList.declarations.find((d) => isRequireOf(d.initializer, PACKAGE));
      if (declaration && ts.isObjectBindingPattern(declaration.name)) elements = declaration.name.elements;
    }
    if (elements && elements.length > 0) {
      const last = elements[elements.length - 1]!;
      return { callee: local, edits: [{ start: last.end, end: last.end, newText: `, ${specifier}` }] };
    }
  }

  const semi = style.semicolon ? ';' : '';
  const q = style.quote;
  const line = useRequire
    ? `const { ${specifier} } = require(${q}${PACKAGE}${q})${semi}`
    : `import { ${specifier} } from ${q}${PACKAGE}${q}${semi}`;

  let anchor: ts.Statement | undefined;
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || (useRequire && isRequireStatement(statement))) anchor = statement;
  }
  if (!anchor) {
    // After leading directives ("use strict").
    for (const statement of sf.statements) {
      if (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression)) anchor = statement;
      else break;
    }
  }
  if (anchor) {
    const at = afterTrailingComments(sf.text, anchor.end);
    return { callee: local, edits: [{ start: at, end: at, newText: `${style.eol}${line}` }] };
  }
  return { callee: local, edits: [{ start: headerEnd(sf, style), end: headerEnd(sf, style), newText: `${line}${style.eol}${style.eol}` }] };
}

/** Where a new first statement goes: after a BOM, a shebang line and a detached header comment (one followed by a blank line). */
function headerEnd(sf: ts.SourceFile, style: Style): number {
  const text = sf.text;
  let start = style.bom;
  if (text.startsWith('#!', start)) {
    const lineEnd = text.indexOf('\n', start);
    start = lineEnd === -1 ? text.length : lineEnd + 1;
  }
  const first = sf.statements[0];
  // Leading comments are collected from the line break before `start` (or from the file start).
  const comments = ts.getLeadingCommentRanges(text, Math.max(0, start - 1)) ?? [];
  let after = start;
  for (const comment of comments) {
    if (first && comment.pos >= first.getStart(sf)) break;
    const rest = text.slice(comment.end, first ? first.getStart(sf) : text.length);
    const gap = /^[ \t]*\r?\n[ \t]*\r?\n/.exec(rest);
    if (gap) after = comment.end + gap[0].length;
  }
  return after;
}

/** Edits that remove the binding of memoize (the specifier, or the whole statement when it is the only one). */
export function planImportRemoval(sf: ts.SourceFile, binding: MemoizeBinding): TextEdit[] {
  const { element, statement } = binding;
  if (!statement) return [];
  const text = sf.text;
  if (element) {
    const list = (element.parent as ts.NamedImports | ts.ObjectBindingPattern).elements as ts.NodeArray<ts.Node>;
    if (list.length > 1) {
      const index = list.indexOf(element);
      if (index > 0) return [{ start: list[index - 1]!.end, end: element.end, newText: '' }];
      return [{ start: element.getStart(sf), end: list[1]!.getStart(sf), newText: '' }];
    }
  }
  const index = sf.statements.indexOf(statement);
  if (index > 0) return [{ start: afterTrailingComments(text, sf.statements[index - 1]!.end), end: statement.end, newText: '' }];
  let end = statement.end;
  for (let breaks = 0; breaks < 2; breaks++) {
    if (text.startsWith('\r\n', end)) end += 2;
    else if (text.startsWith('\n', end)) end += 1;
  }
  return [{ start: statement.getStart(sf), end, newText: '' }];
}

/** Number of references to the local binding name in the file, outside import/require declarations. */
export function countUses(sf: ts.SourceFile, binding: MemoizeBinding): number {
  const name = binding.callee.split('.')[0]!;
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (node === binding.statement) return;
    if (ts.isIdentifier(node) && node.text === name) count++;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return count;
}
