/**
 * The cache commands for Python files: tree-sitter's core, cachelens.config.json at the Python app
 * root (the nearest folder with pyproject.toml, requirements.txt or setup.cfg), and the runtime as
 * a wheel: copied from the extension into the app (`vendor/cachelens-<version>-py3-none-any.whl`)
 * and named in requirements.txt, all in the one WorkspaceEdit; then, when the app's interpreter
 * cannot import cachelens, the offer to install it (runtime-offer.ts).
 */
import * as vscode from 'vscode';
import { PYTHON_APP_MARKERS, planPythonRequirement } from '../../codemod/src/python/dependencies.js';
import { exists, readText } from '../app-files.js';
import { addConfigEdit, addTextEdits, readShipped, refuse, runtimeVersion } from '../cache-edits.js';
import type { LanguageFlow } from '../cache-commands.js';
import { loadPythonCodemod } from '../codemod-host.js';
import { offerPythonRuntime } from './runtime-offer.js';

/** The wheel shipped inside the extension (dist/runtime, see scripts/bundle-python.mjs). */
function shippedWheel(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'dist', 'runtime', `cachelens-${runtimeVersion(context)}-py3-none-any.whl`);
}

export const pythonFlow: LanguageFlow = {
  rootMarkers: PYTHON_APP_MARKERS,
  async analyzeAt(files, document, offset) {
    return (await loadPythonCodemod()).analyzeAt({ text: document.getText(), fileName: document.fileName, position: offset, relPath: files.relPath });
  },
  // The Python runtime's memoize keeps a synchronous function synchronous with every backend.
  makesPromises: () => false,
  async plan(context, files, document, offset, picked) {
    const python = await loadPythonCodemod();
    const text = document.getText();
    const result = python.cacheFunction({
      text,
      fileName: document.fileName,
      position: offset,
      relPath: files.relPath,
      options: { backend: picked.backend, ...(picked.ttl !== undefined ? { ttl: picked.ttl } : {}), ...(picked.max !== undefined ? { max: picked.max } : {}) },
      config: files.config.text === undefined ? undefined : { text: files.config.text },
      onCached: 'update',
    });
    if (!result.ok) return refuse(result.code, `CacheLens: ${result.message}`);

    const requirementsUri = vscode.Uri.joinPath(files.root, 'requirements.txt');
    const requirementsText = await readText(requirementsUri);
    const dependency = planPythonRequirement({
      requirementsTxt: requirementsText === undefined ? undefined : { text: requirementsText },
      hasPyproject: await exists(vscode.Uri.joinPath(files.root, 'pyproject.toml')),
      hasSetupCfg: await exists(vscode.Uri.joinPath(files.root, 'setup.cfg')),
      runtimeVersion: runtimeVersion(context),
    });
    // The wheel is copied when requirements.txt is to name it, or names it and it is gone.
    const wheelUri = dependency.wheel === undefined ? undefined : vscode.Uri.joinPath(files.root, ...dependency.wheel.split('/'));
    const needsWheel = wheelUri !== undefined && ((dependency.requirementsTxt?.length ?? 0) > 0 || !(await exists(wheelUri)));
    let wheel: Uint8Array | undefined;
    if (needsWheel) {
      const shipped = await readShipped(shippedWheel(context), "the Python runtime's wheel (requirements.txt would name a copy of it)");
      if (!(shipped instanceof Uint8Array)) return shipped;
      wheel = shipped;
    }

    // Cached already with these options: still worth an edit when the config or requirements.txt
    // lacks what the function needs (a Redo that skipped a closed requirements.txt, a hand edit).
    const repairs = result.edits.config !== undefined || needsWheel || (dependency.requirementsTxt?.length ?? 0) > 0;
    if (result.change === 'unchanged' && !repairs) return { applied: false, reason: 'unchanged', change: 'unchanged' };

    // One WorkspaceEdit: one Undo takes back the decorator, the import, the config, the wheel and the requirement.
    const edit = new vscode.WorkspaceEdit();
    addTextEdits(edit, document.uri, text, result.edits.source);
    addConfigEdit(edit, files, result.edits.config);
    if (wheelUri && wheel) edit.createFile(wheelUri, { ignoreIfExists: true, contents: wheel });
    if (dependency.requirementsTxt && requirementsText !== undefined) addTextEdits(edit, requirementsUri, requirementsText, dependency.requirementsTxt);
    return {
      edit,
      change: result.change === 'unchanged' ? 'updated' : result.change,
      afterApply: () => {
        if (result.change === 'created' && dependency.reason !== undefined) {
          void vscode.window.showInformationMessage(`CacheLens: requirements.txt was not changed: ${dependency.reason}`);
        }
        void offerPythonRuntime(context.extensionUri, files.root, document.uri, runtimeVersion(context));
      },
    };
  },
  async uncache(files, document, offset) {
    return (await loadPythonCodemod()).uncacheFunction({ text: document.getText(), fileName: document.fileName, position: offset, relPath: files.relPath });
  },
};
