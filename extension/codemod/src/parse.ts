import { Project, ts, type SourceFile } from 'ts-morph';
import type { SourceExtension } from './source-files.js';

/**
 * One in-memory project for every file the core looks at: no file system, no dependency
 * resolution, no type checker. Only the file under edit is parsed, so answering for a 5,000-line
 * file costs one parse (and nothing on a repeated call with the same text).
 */
let project: Project | undefined;
const cache = new Map<string, { text: string; sourceFile: SourceFile }>();
const CACHE_SIZE = 8;

function getProject(): Project {
  project ??= new Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    skipAddingFilesFromTsConfig: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve, noLib: true },
  });
  return project;
}

export { isJavaScript, sourceExtension, type SourceExtension } from './source-files.js';

/** Parses `text` (cached by file name and text). The in-memory path is derived from the extension only. */
export function parse(text: string, fileName: string, ext: SourceExtension): SourceFile {
  const key = `${fileName}\u0000${ext}`;
  const hit = cache.get(key);
  if (hit && hit.text === text) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.sourceFile;
  }
  const p = getProject();
  if (hit) p.removeSourceFile(hit.sourceFile);
  const slot = `/cachelens-codemod/${cache.size}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${ext}`;
  // The parser drops a byte order mark, which would shift every offset by one: a space of the
  // same length keeps offsets equal to the editor's.
  const parsed = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const sourceFile = p.createSourceFile(slot, parsed, { overwrite: true });
  cache.delete(key);
  cache.set(key, { text, sourceFile });
  while (cache.size > CACHE_SIZE) {
    const [oldKey, old] = cache.entries().next().value as [string, { text: string; sourceFile: SourceFile }];
    cache.delete(oldKey);
    p.removeSourceFile(old.sourceFile);
  }
  return sourceFile;
}

/** The first syntax error of the file, if any (the parser's own diagnostics: no program is built). */
export function firstSyntaxError(sourceFile: SourceFile): { offset: number; message: string } | undefined {
  const node = sourceFile.compilerNode as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] };
  const diagnostic = node.parseDiagnostics?.[0];
  if (!diagnostic) return undefined;
  return { offset: diagnostic.start ?? 0, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ') };
}

/** The file's conventions, so inserted code looks like the code around it. */
export interface Style {
  readonly quote: '"' | "'";
  readonly semicolon: boolean;
  readonly eol: '\n' | '\r\n';
  /** Offset of the first character after a byte order mark, 0 without one. */
  readonly bom: number;
}

export function detectStyle(sourceFile: SourceFile, originalText: string): Style {
  const sf = sourceFile.compilerNode;
  const text = sf.text;
  let single = 0;
  let double = 0;
  let withSemi = 0;
  let withoutSemi = 0;
  let importQuote: '"' | "'" | undefined;
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) && importQuote === undefined) {
      importQuote = text.charAt(statement.moduleSpecifier.getStart(sf)) === "'" ? "'" : '"';
    }
    if (
      ts.isImportDeclaration(statement) ||
      ts.isExportDeclaration(statement) ||
      ts.isVariableStatement(statement) ||
      ts.isExpressionStatement(statement) ||
      ts.isExportAssignment(statement) ||
      ts.isTypeAliasDeclaration(statement)
    ) {
      if (text.charAt(statement.end - 1) === ';') withSemi++;
      else withoutSemi++;
    }
  }
  if (importQuote === undefined) {
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node)) {
        if (text.charAt(node.getStart(sf)) === "'") single++;
        else double++;
      }
      if (single + double < 50) ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const quote = importQuote ?? (single > double ? "'" : '"');
  return {
    quote,
    semicolon: withSemi >= withoutSemi,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    bom: originalText.charCodeAt(0) === 0xfeff ? 1 : 0,
  };
}

/** The whitespace at the start of the line that holds `offset`. */
export function indentAt(text: string, offset: number): string {
  let lineStart = offset;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  let end = lineStart;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return text.slice(lineStart, end);
}

/** True when only spaces/tabs stand between the line start and `offset`. */
export function startsLine(text: string, offset: number): boolean {
  let i = offset;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text.charCodeAt(i - 1) === 10 || text.charCodeAt(i - 1) === 0xfeff;
}

/** JSON/JS string literal in the given quote. */
export function quoteString(value: string, quote: '"' | "'"): string {
  const json = JSON.stringify(value);
  if (quote === '"') return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** The end of the comments after `pos` on the same line (`import a from "a"; // why`), or `pos`. */
export function afterTrailingComments(text: string, pos: number): number {
  const comments = ts.getTrailingCommentRanges(text, pos) ?? [];
  return comments.length > 0 ? comments[comments.length - 1]!.end : pos;
}
