import * as vscode from 'vscode';
import type { WorkspaceFunction } from '../../../protocol/panel.js';
import { PYTHON_EXTENSIONS, SOURCE_EXTENSIONS } from '../../codemod/src/source-files.js';
import { findCachedFunctions } from './scan.js';

/** The files the codemod handles (and so may hold cached functions): TypeScript, JavaScript and Python. */
const SOURCES = `**/*.{${[...SOURCE_EXTENSIONS, ...PYTHON_EXTENSIONS].map((ext) => ext.slice(1)).join(',')}}`;
const EXCLUDE = '{**/node_modules/**,**/dist/**,**/out/**,**/.git/**,**/.venv/**,**/venv/**,**/__pycache__/**,**/site-packages/**}';
const MAX_FILES = 2000;

/** The cached functions in the workspace's sources (by their `id` option), for the panel's empty state. */
export async function scanWorkspace(token?: vscode.CancellationToken): Promise<WorkspaceFunction[]> {
  const files = await vscode.workspace.findFiles(SOURCES, EXCLUDE, MAX_FILES, token);
  const found: WorkspaceFunction[] = [];
  const decoder = new TextDecoder();
  for (const uri of files) {
    if (token?.isCancellationRequested) break;
    let text: string;
    try {
      text = decoder.decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    if (!text.includes('#')) continue;
    for (const match of findCachedFunctions(text)) {
      found.push({ id: match.id, file: vscode.workspace.asRelativePath(uri, false), line: match.line + 1 });
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/** The cached functions of one document (for an update on save, instead of a new workspace scan). */
export function scanDocument(document: vscode.TextDocument): WorkspaceFunction[] {
  const file = vscode.workspace.asRelativePath(document.uri, false);
  return findCachedFunctions(document.getText()).map((m) => ({ id: m.id, file, line: m.line + 1 }));
}

/** Resolves a file as a process reported it (absolute, or relative to a workspace folder / app root). */
export async function resolveSourceFile(file: string): Promise<vscode.Uri | undefined> {
  const candidates: vscode.Uri[] = [];
  if (/^([a-zA-Z]:)?[\\/]/.test(file)) candidates.push(vscode.Uri.file(file));
  for (const folder of vscode.workspace.workspaceFolders ?? []) candidates.push(vscode.Uri.joinPath(folder.uri, file));
  for (const uri of candidates) {
    try {
      await vscode.workspace.fs.stat(uri);
      return uri;
    } catch {
      // not here; try the next candidate
    }
  }
  // An app in a subfolder reports paths relative to its own root; it may run from its build output (dist/, out/).
  const [found] = await vscode.workspace.findFiles(`**/${file.replace(/^[./\\]+/, '')}`, '{**/node_modules/**,**/.git/**}', 1);
  return found;
}
