/**
 * The source files the codemod handles, by extension: TypeScript and JavaScript, not declaration
 * files. No ts-morph here: the extension's workspace scan lists the same files (it imports this at
 * activation without loading the codemod).
 */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;
export type SourceExtension = (typeof SOURCE_EXTENSIONS)[number];

/** The Python files the Python core handles (`.pyi` stubs have no bodies to cache). */
export const PYTHON_EXTENSIONS = ['.py'] as const;

/** ".ts, .tsx, .mts, .cts, .js, .jsx, .mjs, .cjs", for messages. */
export const SOURCE_EXTENSION_LIST = SOURCE_EXTENSIONS.join(', ');

/** The file's extension if the codemod handles it (`.d.ts` files are declarations: not handled). */
export function sourceExtension(fileName: string): SourceExtension | undefined {
  const lower = fileName.toLowerCase();
  if (/\.d\.[mc]?ts$/.test(lower)) return undefined;
  return SOURCE_EXTENSIONS.find((ext) => lower.endsWith(ext));
}

export function isJavaScript(ext: SourceExtension): boolean {
  return ext === '.js' || ext === '.jsx' || ext === '.mjs' || ext === '.cjs';
}
