import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import * as vscode from 'vscode';
import { isWorkspaceMember, workspacePatterns } from './npm-workspaces.js';

/**
 * The files around a source file that a cache command reads: the app root (the nearest folder with
 * a package.json, within the workspace folder), its cachelens.config.json and package.json, and the
 * nearest tsconfig.json. Text comes from the open editor when the file is open (unsaved text wins),
 * otherwise from disk. Nothing here writes.
 */
export interface AppFiles {
  /** Folder that holds the app's root marker, package.json by default (or the workspace folder when there is none). */
  root: vscode.Uri;
  workspaceFolder: vscode.WorkspaceFolder;
  config: { uri: vscode.Uri; text: string | undefined };
  packageJson: { uri: vscode.Uri; text: string } | undefined;
  tsconfigText: string | undefined;
  /** Source path relative to the app root, posix separators: the id's file part. */
  relPath: string;
}

export async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Folders from the file's folder up to (and including) the workspace folder. */
function foldersUp(file: vscode.Uri, top: vscode.Uri): vscode.Uri[] {
  const folders: vscode.Uri[] = [];
  let dir = vscode.Uri.joinPath(file, '..');
  while (dir.path.startsWith(top.path)) {
    folders.push(dir);
    if (dir.path === top.path) break;
    dir = vscode.Uri.joinPath(dir, '..');
  }
  return folders;
}

/**
 * `rootMarkers`: the files that mark the app's root, the nearest folder holding one of them
 * (`package.json` for a Node app; `pyproject.toml`, `requirements.txt`, `setup.cfg` for Python).
 */
export async function findAppFiles(file: vscode.Uri, rootMarkers: readonly string[] = ['package.json']): Promise<AppFiles | undefined> {
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(file);
  if (!workspaceFolder) return undefined;
  const folders = foldersUp(file, workspaceFolder.uri);
  let root = workspaceFolder.uri;
  for (const dir of folders) {
    if ((await Promise.all(rootMarkers.map((marker) => exists(vscode.Uri.joinPath(dir, marker))))).some(Boolean)) {
      root = dir;
      break;
    }
  }
  let tsconfigText: string | undefined;
  for (const dir of folders) {
    tsconfigText = await readText(vscode.Uri.joinPath(dir, 'tsconfig.json'));
    if (tsconfigText !== undefined) break;
  }
  const configUri = vscode.Uri.joinPath(root, CONFIG_FILE_NAME);
  const packageUri = vscode.Uri.joinPath(root, 'package.json');
  const packageText = await readText(packageUri);
  return {
    root,
    workspaceFolder,
    config: { uri: configUri, text: await readText(configUri) },
    packageJson: packageText === undefined ? undefined : { uri: packageUri, text: packageText },
    tsconfigText,
    relPath: file.path.slice(root.path.length).replace(/^\/+/, ''),
  };
}

/**
 * Whether package `name` is installed for the app at `root`: in its node_modules, or in the
 * node_modules of the npm workspace it is a member of (see npm-workspaces.ts).
 */
export async function installedForApp(root: vscode.Uri, name: string): Promise<boolean> {
  const has = (dir: vscode.Uri) => exists(vscode.Uri.joinPath(dir, 'node_modules', name, 'package.json'));
  if (await has(root)) return true;
  for (let dir = vscode.Uri.joinPath(root, '..'); ; dir = vscode.Uri.joinPath(dir, '..')) {
    const manifest = await readText(vscode.Uri.joinPath(dir, 'package.json'));
    if (manifest !== undefined && isWorkspaceMember(workspacePatterns(manifest), root.path.slice(dir.path.replace(/\/$/, '').length + 1))) return has(dir);
    if (dir.path === vscode.Uri.joinPath(dir, '..').path) return false;
  }
}

/** What the prompts need from cachelens.config.json: its named backends and its `defaults`. */
export interface ConfigSummary {
  named: { name: string; type: string }[];
  defaults: { backend?: string; ttl?: string | number; max?: number };
}

/** Reads the config's backends and defaults (tolerant: a config that does not parse gives neither). */
export function summarizeConfig(configText: string | undefined): ConfigSummary {
  let parsed: { backends?: Record<string, { type?: unknown }>; defaults?: { backend?: unknown; ttl?: unknown; max?: unknown } };
  try {
    const value: unknown = configText ? JSON.parse(configText) : {};
    parsed = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as typeof parsed) : {};
  } catch {
    parsed = {};
  }
  if (typeof parsed.backends !== 'object' || parsed.backends === null) parsed.backends = {};
  if (typeof parsed.defaults !== 'object' || parsed.defaults === null) parsed.defaults = {};
  const d = parsed.defaults ?? {};
  return {
    named: Object.entries(parsed.backends ?? {}).map(([name, value]) => ({
      name,
      type: typeof value?.type === 'string' ? value.type : 'unknown',
    })),
    defaults: {
      backend: typeof d.backend === 'string' ? d.backend : undefined,
      ttl: typeof d.ttl === 'string' || typeof d.ttl === 'number' ? d.ttl : undefined,
      max: typeof d.max === 'number' ? d.max : undefined,
    },
  };
}
