import fs from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyzeResult, CacheEdits, Target, UncacheResult } from '../codemod/src/index.js';
import { findAppFiles, installedForApp, summarizeConfig, type AppFiles } from './app-files.js';
import { addConfigEdit, addTextEdits, readShipped, refuse, runtimeVersion, type CommandOutcome } from './cache-edits.js';
import { codemodKind, LANGUAGE_NAMES, type CodemodKind } from './languages.js';
import { loadCodemod, sourceCodemod, type Codemod } from './codemod-host.js';
import { promptOptions, type PickedOptions } from './options-prompt.js';
import { pythonFlow } from './python/cache-flow.js';
import { readSettings } from './settings.js';

export type { CommandOutcome } from './cache-edits.js';

/**
 * Arguments of the cache commands when they are called from code (code actions, CodeLens, tests).
 * Any of backend/ttl/max given skips that question; `ttl: null` = no expiry, `max: null` = the
 * backend's default.
 */
export interface CacheCommandArgs {
  uri?: vscode.Uri | string;
  position?: { line: number; character: number };
  backend?: string;
  ttl?: string | null;
  max?: number | null;
}

interface Located {
  document: vscode.TextDocument;
  offset: number;
}

async function locate(args: CacheCommandArgs | undefined): Promise<Located | undefined> {
  if (args?.uri) {
    const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
    const document = await vscode.workspace.openTextDocument(uri);
    const position = args.position ? new vscode.Position(args.position.line, args.position.character) : new vscode.Position(0, 0);
    return { document, offset: document.offsetAt(position) };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  return { document: editor.document, offset: editor.document.offsetAt(editor.selection.active) };
}

/**
 * Read-only for the editor (a read-only file system, `files.readonlyInclude`) or on disk (no write
 * bit at all: the user's intent even where root could write it anyway).
 */
async function isReadonly(uri: vscode.Uri): Promise<boolean> {
  if (vscode.workspace.fs.isWritableFileSystem(uri.scheme) === false) return true;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (((stat.permissions ?? 0) & vscode.FilePermission.Readonly) !== 0) return true;
    if (uri.scheme === 'file') return ((await fs.stat(uri.fsPath)).mode & 0o222) === 0;
    return false;
  } catch {
    return false;
  }
}

export const INSTALL_CHOICE = 'Save package.json and run npm install';

/**
 * Offers to install what the app now needs (the runtime, the backend's driver) when it is not
 * installed yet. `npm install` after saving package.json, so package-lock.json records the same
 * dependencies a teammate's or CI's `npm ci` will install.
 */
async function offerInstall(files: AppFiles, added: readonly string[]): Promise<void> {
  if (!files.packageJson) return;
  const missing: string[] = [];
  for (const name of new Set(['cachelens', ...added])) if (!(await installedForApp(files.root, name))) missing.push(name);
  if (missing.length === 0) return;
  const choice = await vscode.window.showInformationMessage(
    `CacheLens: this app needs ${missing.join(' and ')} to run the cached code, and ${missing.length === 1 ? 'it is' : 'they are'} not installed yet.`,
    { detail: 'package.json lists them (the runtime from vendor/, inside the app); npm install installs them and updates package-lock.json.' },
    INSTALL_CHOICE,
  );
  if (choice !== INSTALL_CHOICE) return;
  const saved = await vscode.workspace.save(files.packageJson.uri);
  if (!saved) {
    void vscode.window.showErrorMessage(`CacheLens: ${vscode.workspace.asRelativePath(files.packageJson.uri)} could not be saved, so nothing was installed.`);
    return;
  }
  const terminal = vscode.window.createTerminal({ name: 'CacheLens: install', cwd: files.root });
  terminal.show();
  terminal.sendText('npm install');
}

/** How decorators compile here: the tsconfig chain on disk (with `extends`), or the open tsconfig's text elsewhere. */
function projectFlavour(codemod: Codemod, document: vscode.TextDocument, files: AppFiles) {
  if (document.uri.scheme === 'file') return codemod.decoratorFlavour(path.dirname(document.uri.fsPath), files.root.fsPath);
  return files.tsconfigText === undefined ? 'standard' : codemod.readDecoratorFlavour(files.tsconfigText);
}

/**
 * A shared backend (disk, Redis, Memcached) makes every call return a promise. For a function not
 * known to return one, that breaks its callers, so a newly picked shared backend is confirmed in a
 * modal dialog first (true: go on).
 */
async function keepsCallersWorking(
  codemod: Codemod,
  configText: string | undefined,
  target: Target,
  backend: string,
  previous: string | undefined,
): Promise<boolean> {
  if (target.returnsPromise || !codemod.isSharedBackend(configText, backend) || backend === previous) return true;
  const type = codemod.backendType(configText, backend);
  const which = backend === type ? `the ${type} backend` : `the ${type} backend "${backend}"`;
  const choice = await vscode.window.showWarningMessage(
    `${target.name} is not async (and declares no Promise return type), but with ${which} every call returns a Promise: its callers would get a Promise instead of the value.`,
    { modal: true, detail: 'Make the function async (and await it where it is called) first, or pick memory or lru to keep it synchronous.' },
    'Cache anyway',
  );
  return choice === 'Cache anyway';
}

function toCacheOptions(picked: PickedOptions) {
  return {
    backend: picked.backend,
    ...(picked.ttl !== undefined ? { ttl: picked.ttl } : {}),
    ...(picked.max !== undefined ? { max: picked.max } : {}),
  };
}

/** A planned change: the one WorkspaceEdit and what to do once VS Code applied it. */
export interface PlannedEdit {
  edit: vscode.WorkspaceEdit;
  change: 'created' | 'updated';
  afterApply(): void;
}

/**
 * What differs between languages in the cache commands: where the app's root is, how the function
 * is analyzed, the edit (source, config and the runtime's dependency) and what follows it. The
 * flows are picked in one place (`FLOWS`, by languages.ts's codemod kind).
 */
export interface LanguageFlow {
  /** Files that mark the app's root (where cachelens.config.json goes). */
  readonly rootMarkers: readonly string[];
  analyzeAt(files: AppFiles, document: vscode.TextDocument, offset: number): Promise<AnalyzeResult>;
  /** Whether a call would return a promise with `backend` where it returned a value before (warned about). */
  makesPromises(codemod: Codemod, target: Target, configText: string | undefined, backend: string): boolean;
  /** The edit caching (or re-caching) the function with `options`, or a refusal (already shown); `unchanged` when nothing differs. */
  plan(context: vscode.ExtensionContext, files: AppFiles, document: vscode.TextDocument, offset: number, picked: PickedOptions): Promise<PlannedEdit | CommandOutcome>;
  uncache(files: AppFiles, document: vscode.TextDocument, offset: number): Promise<UncacheResult>;
}

/** The runtime's tarball shipped inside the extension (dist/runtime, see scripts/bundle-runtime.mjs). */
function shippedRuntimeTarball(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'dist', 'runtime', `cachelens-${runtimeVersion(context)}.tgz`);
}

/**
 * One WorkspaceEdit for the whole change, so one Undo reverts it. Files it creates are created
 * with their contents (on disk at once, never empty: an app started before the user saves reads a
 * valid config and finds the tarball package.json points at); edits of existing files stay unsaved
 * like any other edit.
 */
function buildWorkspaceEdit(document: vscode.TextDocument, files: AppFiles, edits: CacheEdits, tarball: Uint8Array | undefined): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  addTextEdits(edit, document.uri, document.getText(), edits.source);
  addConfigEdit(edit, files, edits.config);
  if (edits.runtimeTarball !== undefined && tarball) {
    edit.createFile(vscode.Uri.joinPath(files.root, ...edits.runtimeTarball.split('/')), { ignoreIfExists: true, contents: tarball });
  }
  if (edits.packageJson && files.packageJson) addTextEdits(edit, files.packageJson.uri, files.packageJson.text, edits.packageJson);
  return edit;
}

/** TypeScript and JavaScript: ts-morph's core, package.json and the runtime's tarball, the project's type check. */
const typescriptFlow: LanguageFlow = {
  rootMarkers: ['package.json'],
  async analyzeAt(files, document, offset) {
    const codemod = await loadCodemod();
    return codemod.analyzeAt({ text: document.getText(), fileName: document.fileName, position: offset, relPath: files.relPath, flavour: projectFlavour(codemod, document, files) });
  },
  makesPromises(codemod, target, configText, backend) {
    return !target.returnsPromise && codemod.isSharedBackend(configText, backend);
  },
  async plan(context, files, document, offset, picked) {
    const codemod = await loadCodemod();
    const result = codemod.cacheFunction({
      text: document.getText(),
      fileName: document.fileName,
      position: offset,
      relPath: files.relPath,
      flavour: projectFlavour(codemod, document, files),
      options: toCacheOptions(picked),
      config: files.config.text === undefined ? undefined : { text: files.config.text },
      packageJson: files.packageJson ? { text: files.packageJson.text } : undefined,
      runtimeVersion: runtimeVersion(context),
      runtimeSource: 'vendor',
      runtimeResolves: await installedForApp(files.root, 'cachelens'),
      onCached: 'update',
    });
    if (!result.ok) return refuse(result.code, `CacheLens: ${result.message}`);
    // Cached already with these options: still worth an edit when the config or package.json lacks
    // what the function needs (a Redo that skipped a closed package.json, a hand edit).
    const repairs = result.edits.config !== undefined || (result.edits.packageJson?.length ?? 0) > 0 || result.edits.runtimeTarball !== undefined;
    if (result.change === 'unchanged' && !repairs) return { applied: false, reason: 'unchanged', change: 'unchanged' };
    // The file and its importers must type-check as before (the project on disk, this file as edited).
    if (document.uri.scheme === 'file') {
      const text = document.getText();
      const check = codemod.newTypeErrors(document.fileName, text, codemod.applyEdits(text, result.edits.source), files.workspaceFolder.uri.fsPath);
      if (check.added.length > 0) {
        const refusal = codemod.typeErrorRefusal(result.target.name, check.added);
        return refuse(refusal.code, `CacheLens: ${refusal.message}`);
      }
    }
    let tarball: Uint8Array | undefined;
    if (result.edits.runtimeTarball !== undefined) {
      const shipped = await readShipped(shippedRuntimeTarball(context), "the runtime's tarball (package.json would point at a copy of it)");
      if (!(shipped instanceof Uint8Array)) return shipped;
      tarball = shipped;
    }
    return {
      edit: buildWorkspaceEdit(document, files, result.edits, tarball),
      change: result.change === 'unchanged' ? 'updated' : result.change,
      afterApply: () => void offerInstall(files, result.edits.addedDependencies ?? []),
    };
  },
  async uncache(files, document, offset) {
    const codemod = await loadCodemod();
    return codemod.uncacheFunction({ text: document.getText(), fileName: document.fileName, position: offset, relPath: files.relPath, flavour: projectFlavour(codemod, document, files) });
  },
};

const FLOWS: Record<CodemodKind, LanguageFlow> = { typescript: typescriptFlow, python: pythonFlow };

/** The document's flow and app files, or the refusal (shown) when its file cannot be edited here. */
async function prepare(document: vscode.TextDocument): Promise<{ flow: LanguageFlow; files: AppFiles } | CommandOutcome> {
  const kind = codemodKind(document.languageId);
  if (!kind) return refuse('unsupported-file', `CacheLens caches functions in ${LANGUAGE_NAMES} files; ${document.fileName} is ${document.languageId}.`);
  const flow = FLOWS[kind];
  const files = await findAppFiles(document.uri, flow.rootMarkers);
  if (!files) return refuse('outside-workspace', `CacheLens: ${document.fileName} is not inside an open workspace folder; open its project folder first.`);
  if (await isReadonly(document.uri)) {
    return refuse('read-only', `CacheLens: ${vscode.workspace.asRelativePath(document.uri)} is read-only; make it writable to change caching in it.`);
  }
  return { flow, files };
}

/** "Cache this function" and "Change cache settings": one flow, the second requires a cached target. */
export async function cacheCommand(
  context: vscode.ExtensionContext,
  args: CacheCommandArgs | undefined,
  mode: 'cache' | 'change',
): Promise<CommandOutcome> {
  const located = await locate(args);
  if (!located) return refuse('no-editor', `CacheLens: open a ${LANGUAGE_NAMES} file and put the cursor inside the function to cache.`);
  const { document, offset } = located;
  const prepared = await prepare(document);
  if (!('flow' in prepared)) return prepared;
  const { flow, files } = prepared;
  const analysis = await flow.analyzeAt(files, document, offset);
  // "Already cached" is not a refusal here: the same command then changes the options in place.
  if (!analysis.ok && analysis.code !== 'already-cached') return refuse(analysis.code, `CacheLens: ${analysis.message}`);
  const target = analysis.target;
  if (!target) return refuse('no-target', 'CacheLens: put the cursor inside the function to cache.');
  if (mode === 'change' && !target.cached) {
    return refuse('not-cached', `CacheLens: ${target.name} is not cached yet; use "Cache this function".`);
  }

  const settings = readSettings(document.uri);
  const config = summarizeConfig(files.config.text);
  const fromConfig = config.defaults;
  const current = target.cached;
  const codemod = await loadCodemod();
  const defaults = {
    backend: current?.backend ?? fromConfig.backend ?? settings.defaultBackend,
    ttl: current ? (current.ttl === undefined ? undefined : String(current.ttl)) : String(fromConfig.ttl ?? settings.defaultTtl) || undefined,
    max: current ? current.max : (fromConfig.max ?? (settings.defaultMax > 0 ? settings.defaultMax : undefined)),
    named: config.named,
    makesPromises: (backend: string) => flow.makesPromises(codemod, target, files.config.text, backend),
  };
  let picked: PickedOptions | undefined;
  const scripted = args && (args.backend !== undefined || args.ttl !== undefined || args.max !== undefined);
  if (scripted) {
    picked = {
      backend: args.backend ?? defaults.backend,
      ttl: args.ttl === undefined ? defaults.ttl : (args.ttl ?? undefined),
      max: args.max === undefined ? defaults.max : (args.max ?? undefined),
    };
  } else {
    picked = await promptOptions(`${current ? 'Change caching of' : 'Cache'} ${target.name}`, defaults, async (backend) =>
      !defaults.makesPromises(backend) || keepsCallersWorking(codemod, files.config.text, target, backend, current?.backend));
  }
  if (!picked) return { applied: false, reason: 'cancelled' };

  const planned = await flow.plan(context, files, document, offset, picked);
  if (!('edit' in planned)) return planned;
  const applied = await vscode.workspace.applyEdit(planned.edit);
  if (!applied) return refuse('failed', `CacheLens: VS Code did not apply the edit to ${vscode.workspace.asRelativePath(document.uri)} (is it read-only or changed meanwhile?). Nothing was changed.`, 'error');
  planned.afterApply();
  return { applied: true, change: planned.change };
}

/** "Remove caching": restores the function's original form (and drops the import when unused). */
export async function uncacheCommand(args: CacheCommandArgs | undefined): Promise<CommandOutcome> {
  const located = await locate(args);
  if (!located) return refuse('no-editor', 'CacheLens: put the cursor inside a cached function first.');
  const { document, offset } = located;
  const prepared = await prepare(document);
  if (!('flow' in prepared)) return prepared;
  const result = await prepared.flow.uncache(prepared.files, document, offset);
  if (!result.ok) return refuse(result.code, `CacheLens: ${result.message}`);
  const edit = new vscode.WorkspaceEdit();
  addTextEdits(edit, document.uri, document.getText(), result.edits.source);
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) return refuse('failed', 'CacheLens: VS Code did not apply the edit; nothing was changed.', 'error');
  return { applied: true, change: 'removed' };
}

/**
 * "Watch this cache": reports a cache the code already has (Python's functools.lru_cache / cache)
 * without rewriting the function: one line after it, as one undoable edit.
 */
export async function watchCommand(args: CacheCommandArgs | undefined): Promise<CommandOutcome> {
  const located = await locate(args);
  if (!located) return refuse('no-editor', 'CacheLens: put the cursor on a function that functools.lru_cache or functools.cache caches first.');
  const { document, offset } = located;
  const prepared = await prepare(document);
  if (!('flow' in prepared)) return prepared;
  const codemod = await sourceCodemod(document.languageId);
  if (!codemod?.watchFunction) {
    return refuse('unsupported-file', `CacheLens: "Watch this cache" reports functools caches in Python files; ${vscode.workspace.asRelativePath(document.uri)} is ${document.languageId}.`);
  }
  const result = codemod.watchFunction({ text: document.getText(), fileName: document.fileName, position: offset, relPath: prepared.files.relPath });
  if (!result.ok) return refuse(result.code, `CacheLens: ${result.message}`);
  if (result.change === 'unchanged') return { applied: false, reason: 'unchanged', change: 'unchanged' };
  const edit = new vscode.WorkspaceEdit();
  addTextEdits(edit, document.uri, document.getText(), result.edits.source);
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) return refuse('failed', 'CacheLens: VS Code did not apply the edit; nothing was changed.', 'error');
  return { applied: true, change: 'created' };
}
