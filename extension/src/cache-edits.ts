/**
 * What the cache commands of every language share: their outcome, refusals shown to the user, and
 * turning the codemod's offset edits into one WorkspaceEdit (one Undo reverts all of it).
 */
import * as vscode from 'vscode';
import { toLineCharacter } from '../codemod/src/edits.js';
import type { CacheEdits, TextEdit } from '../codemod/src/types.js';
import type { AppFiles } from './app-files.js';

/** What a command did, returned for callers and tests. */
export interface CommandOutcome {
  applied: boolean;
  /** Refusal code, `cancelled`, or `failed` when nothing was applied. */
  reason?: string;
  message?: string;
  change?: 'created' | 'updated' | 'unchanged' | 'removed';
}

export function refuse(reason: string, message: string, severity: 'warning' | 'error' = 'warning'): CommandOutcome {
  void (severity === 'error' ? vscode.window.showErrorMessage(message) : vscode.window.showWarningMessage(message));
  return { applied: false, reason, message };
}

/** Converts offset-based edits of `text` into range-based ones of `uri`, added to `edit`. */
export function addTextEdits(edit: vscode.WorkspaceEdit, uri: vscode.Uri, text: string, edits: readonly TextEdit[]): void {
  const position = (offset: number) => {
    const { line, character } = toLineCharacter(text, offset);
    return new vscode.Position(line, character);
  };
  for (const e of edits) edit.replace(uri, new vscode.Range(position(e.start), position(e.end)), e.newText);
}

/**
 * The config's part of the edit: a new cachelens.config.json is created with its contents (on disk
 * at once, never empty: an app started before the user saves reads a valid config); an existing
 * one is edited like any other file (unsaved until the user saves).
 */
export function addConfigEdit(edit: vscode.WorkspaceEdit, files: AppFiles, config: CacheEdits['config']): void {
  if (!config) return;
  if (config.create) {
    const text = config.edits.map((e) => e.newText).join('');
    // overwrite: an empty file (left on disk by earlier versions) is replaced, not refused.
    edit.createFile(files.config.uri, { overwrite: files.config.text !== undefined, contents: new TextEncoder().encode(text) });
  } else {
    addTextEdits(edit, files.config.uri, files.config.text ?? '', config.edits);
  }
}

/** The extension's version: the runtime shipped inside it (npm tarball, Python wheel) has the same. */
export function runtimeVersion(context: vscode.ExtensionContext): string {
  return String((context.extension.packageJSON as { version: string }).version);
}

/** A file shipped inside the extension, or a refusal that says it is missing and what to do. */
export async function readShipped(uri: vscode.Uri, what: string): Promise<Uint8Array | CommandOutcome> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch {
    return refuse('failed', `CacheLens: ${what} ${uri.fsPath} is missing from the extension. Reinstall the extension (or run "npm run build" in its repository). Nothing was changed.`, 'error');
  }
}
