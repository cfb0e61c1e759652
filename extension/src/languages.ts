/**
 * The languages whose functions CacheLens caches, in VS Code's language ids: the one list that the
 * CodeLens and code actions (document selector), the context keys, the cache commands, the inline
 * hints and the workspace rescan on save read. package.json repeats it where a manifest must
 * (`onLanguage:` activation events, the `editorLangId` clauses of the menus):
 * test/unit/foundation/manifest.test.ts checks those against this list.
 *
 * Adding a language: one line here, then the manifest entries that test asks for.
 * No vscode import, so plain-Node tests read it.
 */
export const LANGUAGES: readonly { id: string; name: string }[] = [
  { id: 'typescript', name: 'TypeScript' },
  { id: 'typescriptreact', name: 'TypeScript React' },
  { id: 'javascript', name: 'JavaScript' },
  { id: 'javascriptreact', name: 'JavaScript React' },
];

/** The language ids, in the list's order. */
export const LANGUAGE_IDS: readonly string[] = LANGUAGES.map((language) => language.id);

const ids = new Set(LANGUAGE_IDS);

/** Whether a document of this language id is one CacheLens caches functions in. */
export function isSupportedLanguage(languageId: string): boolean {
  return ids.has(languageId);
}

/** "TypeScript, TypeScript React, JavaScript or JavaScript React", for messages. */
export const LANGUAGE_NAMES = LANGUAGES.map((language) => language.name).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The `when` clause the manifest's menus carry: `editorLangId =~ /^(typescript|...)$/`. */
export const LANGUAGE_WHEN_CLAUSE = `editorLangId =~ /^(${LANGUAGE_IDS.join('|')})$/`;
