/**
 * The languages whose functions CacheLens caches, in VS Code's language ids: the one list that the
 * CodeLens and code actions (document selector), the context keys, the cache commands, the inline
 * hints and the workspace rescan on save read. package.json repeats it where a manifest must
 * (`onLanguage:` activation events, the `editorLangId` clauses of the menus):
 * test/unit/foundation/manifest.test.ts checks those against this list.
 *
 * Adding a language: one line here (its `codemod`: which core edits it, see codemod-host.ts), then
 * the manifest entries that test asks for. No vscode import, so plain-Node tests read it.
 */
export const LANGUAGES: readonly { id: string; name: string; codemod: CodemodKind }[] = [
  { id: 'typescript', name: 'TypeScript', codemod: 'typescript' },
  { id: 'typescriptreact', name: 'TypeScript React', codemod: 'typescript' },
  { id: 'javascript', name: 'JavaScript', codemod: 'typescript' },
  { id: 'javascriptreact', name: 'JavaScript React', codemod: 'typescript' },
  { id: 'python', name: 'Python', codemod: 'python' },
];

/** Which codemod core edits a language: ts-morph's (TypeScript and JavaScript) or tree-sitter's Python one. */
export type CodemodKind = 'typescript' | 'python';

/** The language ids, in the list's order. */
export const LANGUAGE_IDS: readonly string[] = LANGUAGES.map((language) => language.id);

const ids = new Set(LANGUAGE_IDS);

/** Whether a document of this language id is one CacheLens caches functions in. */
export function isSupportedLanguage(languageId: string): boolean {
  return ids.has(languageId);
}

/** The codemod core for a language id (undefined: not a supported language). */
export function codemodKind(languageId: string): CodemodKind | undefined {
  return LANGUAGES.find((language) => language.id === languageId)?.codemod;
}

/** "TypeScript, TypeScript React, JavaScript, JavaScript React or Python", for messages. */
export const LANGUAGE_NAMES = LANGUAGES.map((language) => language.name).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The `when` clause the manifest's menus carry: `editorLangId =~ /^(typescript|...)$/`. */
export const LANGUAGE_WHEN_CLAUSE = `editorLangId =~ /^(${LANGUAGE_IDS.join('|')})$/`;
