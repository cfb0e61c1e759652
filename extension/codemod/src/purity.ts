/**
 * Static hints that a function may not be safe to cache: its result can depend on something other
 * than its arguments, or it does something a cached call would skip. Hints, not proofs: a read of
 * the clock may only feed a log line. Used by "Find functions worth caching" to flag candidates.
 */
import { Node, SyntaxKind, type SourceFile } from 'ts-morph';
import { parse, sourceExtension } from './parse.js';

/** What a hint is about: `time` (Date.now, new Date(), performance.now), `random`, `io` (fs, network, a database, a child process), `this` (assigns to a field of `this`). */
export type PurityHintKind = 'time' | 'random' | 'io' | 'this';

export interface PurityHint {
  kind: PurityHintKind;
  /** What was found, e.g. "reads Date.now()", "calls fetch()", "uses fs", "assigns this.count". */
  text: string;
  /** 1-based line of the finding. */
  line: number;
}

/** Modules whose use means input or output (files, network, processes, databases, caches of their own). */
const IO_MODULES = /^(?:node:)?(?:fs|fs\/promises|http|https|http2|net|dgram|tls|dns|child_process|readline)$|^(?:pg|mysql2?|sqlite3|better-sqlite3|mongodb|mongoose|redis|ioredis|memjs|knex|sequelize|typeorm|@prisma\/client|axios|node-fetch|undici|got)(?:\/.*)?$/;
const IO_GLOBALS = new Set(['fetch', 'XMLHttpRequest', 'WebSocket']);

/**
 * The hints for the function declared at 1-based `line` of `text` (a function, a method, or a
 * `const f = () => ...`). Undefined when no function starts on that line or the file is not a
 * source file the codemod reads.
 */
export function purityHints(text: string, fileName: string, line: number): PurityHint[] | undefined {
  const ext = sourceExtension(fileName);
  if (!ext) return undefined;
  const sourceFile = parse(text, fileName, ext);
  const fn = functionAtLine(sourceFile, line);
  if (!fn) return undefined;
  const ioNames = ioBindings(sourceFile);
  const hints: PurityHint[] = [];
  const seen = new Set<string>();
  const hint = (kind: PurityHintKind, what: string, node: Node): void => {
    if (seen.has(what)) return;
    seen.add(what);
    hints.push({ kind, text: what, line: node.getStartLineNumber() });
  };
  fn.forEachDescendant((node) => {
    if (Node.isPropertyAccessExpression(node)) {
      const name = node.getText().replace(/\s+/g, '');
      if (name === 'Date.now' || name === 'performance.now') hint('time', `reads ${name}()`, node);
      else if (name === 'Math.random' || name === 'crypto.randomUUID' || name === 'crypto.getRandomValues') hint('random', `calls ${name}()`, node);
      const target = node.getExpression();
      if (target.getKind() === SyntaxKind.ThisKeyword && isWritten(node)) hint('this', `assigns this.${node.getName()}`, node);
    } else if (Node.isNewExpression(node)) {
      if (node.getExpression().getText() === 'Date' && node.getArguments().length === 0) hint('time', 'reads new Date()', node);
    } else if (Node.isIdentifier(node)) {
      const name = node.getText();
      const parent = node.getParent();
      if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === node) return;
      if (IO_GLOBALS.has(name) && Node.isCallExpression(parent) && parent.getExpression() === node) hint('io', `calls ${name}()`, node);
      else if (ioNames.has(name)) hint('io', `uses ${ioNames.get(name)}`, node);
    }
  });
  return hints;
}

/** Whether a property access is the target of an assignment, `++` or `--`. */
function isWritten(node: Node): boolean {
  const parent = node.getParent();
  if (Node.isBinaryExpression(parent) && parent.getLeft() === node) {
    const op = parent.getOperatorToken().getKind();
    return op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment;
  }
  if (Node.isPrefixUnaryExpression(parent) || Node.isPostfixUnaryExpression(parent)) {
    const op = parent.getOperatorToken();
    return op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken;
  }
  return false;
}

/** The local names bound to I/O modules (imports and `require` calls), with the module's name. */
function ioBindings(sourceFile: SourceFile): Map<string, string> {
  const names = new Map<string, string>();
  for (const decl of sourceFile.getImportDeclarations()) {
    const from = decl.getModuleSpecifierValue();
    if (!IO_MODULES.test(from)) continue;
    const def = decl.getDefaultImport();
    if (def) names.set(def.getText(), from);
    const ns = decl.getNamespaceImport();
    if (ns) names.set(ns.getText(), from);
    for (const n of decl.getNamedImports()) names.set((n.getAliasNode() ?? n.getNameNode()).getText(), from);
  }
  sourceFile.forEachDescendant((node) => {
    if (!Node.isVariableDeclaration(node)) return;
    const init = node.getInitializer();
    const call = init && Node.isAwaitExpression(init) ? init.getExpression() : init;
    if (!call || !Node.isCallExpression(call)) return;
    const callee = call.getExpression().getText();
    const [arg] = call.getArguments();
    if ((callee !== 'require' && callee !== 'import') || !arg || !Node.isStringLiteral(arg) || !IO_MODULES.test(arg.getLiteralValue())) return;
    const from = arg.getLiteralValue();
    const nameNode = node.getNameNode();
    if (Node.isIdentifier(nameNode)) names.set(nameNode.getText(), from);
    else for (const el of nameNode.getDescendantsOfKind(SyntaxKind.BindingElement)) names.set(el.getNameNode().getText(), from);
  });
  return names;
}

/**
 * The function, method or function-valued variable whose declaration starts on `line` (the
 * outermost one there); else the innermost one that contains the line.
 */
function functionAtLine(sourceFile: SourceFile, line: number): Node | undefined {
  let exact: Node | undefined;
  let containing: Node | undefined;
  sourceFile.forEachDescendant((node) => {
    const inVariable = (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) && Node.isVariableDeclaration(node.getParent());
    if (!Node.isFunctionDeclaration(node) && !Node.isMethodDeclaration(node) && !inVariable) return;
    const declared = inVariable ? node.getParentOrThrow().getStartLineNumber() : node.getStartLineNumber();
    if (declared === line) exact ??= node;
    else if (declared <= line && line <= node.getEndLineNumber()) containing = node;
  });
  return exact ?? containing;
}
