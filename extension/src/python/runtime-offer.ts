/**
 * The editor's side of installing the Python runtime: which interpreter the app runs with, and
 * the offers shown when it lacks `cachelens` (the install itself is `runtime-install.ts`).
 *
 * The interpreter is the one the Python extension has selected for the file, read through its
 * public API (typed by @vscode/python-extension) when that extension is installed; otherwise
 * `python3` on the PATH. The wheel is the app's own copy in `vendor/` when the edit put one there,
 * else the one inside the extension.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { createVenv, installWheel, probeRuntime } from './runtime-install.js';

/** The Python extension's id (its API is read only when it is installed). */
const PYTHON_EXTENSION_ID = 'ms-python.python';

export const INSTALL_PYTHON_CHOICE = 'Install it (offline, from the extension)';
export const CREATE_VENV_CHOICE = 'Create .venv and install there';

/** The interpreter that runs `resource`'s app, and where that answer came from. */
export interface Interpreter {
  python: string;
  source: 'python-extension' | 'path';
}

/** The first `python3` on the PATH, if any. */
function python3OnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, process.platform === 'win32' ? 'python.exe' : 'python3');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The interpreter for `resource`: the Python extension's selection, else `python3` on the PATH. */
export async function interpreterFor(resource: vscode.Uri): Promise<Interpreter | undefined> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined) {
    try {
      const { PythonExtension } = await import('@vscode/python-extension');
      const api = await PythonExtension.api();
      const active = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(active);
      const executable = resolved?.executable.uri?.fsPath;
      if (executable !== undefined) return { python: executable, source: 'python-extension' };
    } catch {
      // the Python extension failed to answer: fall back to the PATH
    }
  }
  const onPath = python3OnPath();
  return onPath === undefined ? undefined : { python: onPath, source: 'path' };
}

/** The wheel to install: the app's vendored copy, else the extension's. */
export function wheelFor(extensionUri: vscode.Uri, appRoot: vscode.Uri, version: string): string {
  const name = `cachelens-${version}-py3-none-any.whl`;
  const vendored = path.join(appRoot.fsPath, 'vendor', name);
  return fs.existsSync(vendored) ? vendored : vscode.Uri.joinPath(extensionUri, 'dist', 'runtime', name).fsPath;
}

/**
 * When the app's interpreter cannot import `cachelens`, offers to install it from the wheel; when
 * pip refuses an externally managed interpreter (PEP 668), offers a `.venv` with
 * `--system-site-packages` instead and says to select it. Resolves with the interpreter that has
 * the runtime afterwards, or undefined (declined, or it failed: the user was told why).
 */
export async function offerPythonRuntime(extensionUri: vscode.Uri, appRoot: vscode.Uri, resource: vscode.Uri, version: string): Promise<string | undefined> {
  const interpreter = await interpreterFor(resource);
  if (interpreter === undefined) {
    void vscode.window.showWarningMessage('CacheLens: no Python interpreter was found (no python3 on the PATH, and the Python extension has none selected), so the runtime was not installed. The cached code needs the cachelens package to run.');
    return undefined;
  }
  const probe = await probeRuntime(interpreter.python, appRoot.fsPath);
  if (probe.kind === 'installed') return interpreter.python;
  const which = interpreter.source === 'python-extension' ? 'the interpreter selected for this file' : 'python3 on the PATH';
  const choice = await vscode.window.showInformationMessage(
    `CacheLens: ${which} (${interpreter.python}) has no cachelens package, which the cached code imports.`,
    { detail: 'The extension ships the runtime as a wheel; pip installs it with no package index.' },
    INSTALL_PYTHON_CHOICE,
  );
  if (choice !== INSTALL_PYTHON_CHOICE) return undefined;
  const wheel = wheelFor(extensionUri, appRoot, version);
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CacheLens: installing the Python runtime' }, () => installWheel(interpreter.python, wheel, appRoot.fsPath));
  if (outcome.kind === 'installed') {
    void vscode.window.showInformationMessage(`CacheLens: cachelens ${outcome.version} is installed in ${interpreter.python}.`);
    return interpreter.python;
  }
  if (outcome.kind === 'failed') {
    void vscode.window.showErrorMessage(`CacheLens: pip could not install ${path.basename(wheel)} into ${interpreter.python}: ${outcome.detail}`);
    return undefined;
  }
  const venvChoice = await vscode.window.showWarningMessage(
    `CacheLens: ${interpreter.python} is managed by the operating system (PEP 668) and takes no packages outside a virtual environment.`,
    { detail: 'CacheLens never forces it (no --break-system-packages). It can create .venv in the app with --system-site-packages, so the app keeps the packages it already uses, and install the runtime there.' },
    CREATE_VENV_CHOICE,
  );
  if (venvChoice !== CREATE_VENV_CHOICE) return undefined;
  const venv = await createVenv(interpreter.python, appRoot.fsPath);
  if (venv.kind === 'failed') {
    void vscode.window.showErrorMessage(`CacheLens: could not create .venv in ${appRoot.fsPath}: ${venv.detail}`);
    return undefined;
  }
  const inVenv = await installWheel(venv.python, wheel, appRoot.fsPath);
  if (inVenv.kind !== 'installed') {
    void vscode.window.showErrorMessage(`CacheLens: pip could not install ${path.basename(wheel)} into ${venv.python}: ${inVenv.detail}`);
    return undefined;
  }
  void vscode.window.showInformationMessage(`CacheLens: cachelens ${inVenv.version} is installed in ${path.relative(appRoot.fsPath, venv.python)}. Select it as the interpreter ("Python: Select Interpreter") and run the app with it.`);
  return venv.python;
}
