/**
 * The cache commands in a Python file, inside the extension host: "Cache this function" (decorator,
 * import, cachelens.config.json at the Python app root, the wheel in vendor/ and its line in
 * requirements.txt, one WorkspaceEdit), "Remove caching" (the source exactly as before), "Watch
 * this cache" on a functools cache, and the light bulb / CodeLens that offer them. Each test makes
 * its own app folder inside the workspace and removes it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';

interface Outcome {
  applied: boolean;
  reason?: string;
  change?: string;
}

const WHEEL = 'vendor/cachelens-0.1.0-py3-none-any.whl';
const APP = [
  '"""Sales figures."""',
  'from functools import lru_cache',
  '',
  '',
  'def total(region):',
  '    return sum(ord(c) for c in region)',
  '',
  '',
  '@lru_cache(maxsize=64)',
  'def rates(day):',
  '    return {"EUR": 1.0, "day": day}',
  '',
].join('\n');

const workspaceRoot = () => vscode.workspace.workspaceFolders![0]!.uri;

/** A Python app folder in the workspace: `markers` (file name -> text) beside app.py. */
function makeApp(name: string, markers: Record<string, string>): vscode.Uri {
  const app = vscode.Uri.joinPath(workspaceRoot(), name);
  fs.rmSync(app.fsPath, { recursive: true, force: true });
  fs.mkdirSync(app.fsPath, { recursive: true });
  fs.writeFileSync(vscode.Uri.joinPath(app, 'app.py').fsPath, APP);
  for (const [file, text] of Object.entries(markers)) fs.writeFileSync(vscode.Uri.joinPath(app, file).fsPath, text);
  return app;
}

async function open(uri: vscode.Uri): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  return document;
}

function at(document: vscode.TextDocument, needle: string): { line: number; character: number } {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} is in ${document.fileName}`);
  const p = document.positionAt(offset);
  return { line: p.line, character: p.character };
}

async function cleanUp(app: vscode.Uri): Promise<void> {
  for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.fsPath.startsWith(app.fsPath))) {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  fs.rmSync(app.fsPath, { recursive: true, force: true });
}

suite('Python files: cache, remove, watch', () => {
  test('"Cache this function" in a .py file: decorator and import (unsaved), config at the app root and the wheel on disk, requirements.txt names the wheel', async () => {
    const app = makeApp('py-sales', { 'requirements.txt': 'flask>=2.2\n' });
    try {
      const document = await open(vscode.Uri.joinPath(app, 'app.py'));
      assert.equal(document.languageId, 'python');
      const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(), position: at(document, 'total(region)'), backend: 'memory', ttl: '5m',
      })) as Outcome;
      assert.deepEqual(outcome, { applied: true, change: 'created' });
      const text = document.getText();
      // max: the cachelens.defaultMax setting (1000) when the command is not given one.
      assert.match(text, /\n@memoize\(backend="memory", ttl="5m", max=1000, id="app\.py#total"\)\ndef total\(region\):/);
      assert.equal(text.match(/^from cachelens import memoize$/gm)?.length, 1);
      assert.equal(document.isDirty, true, 'the source edit is left unsaved for the user');
      const config = vscode.Uri.joinPath(app, 'cachelens.config.json').fsPath;
      assert.ok(fs.existsSync(config), 'cachelens.config.json is created at the Python app root (beside requirements.txt)');
      assert.doesNotThrow(() => JSON.parse(fs.readFileSync(config, 'utf8')), 'and is valid JSON on disk');
      const wheel = vscode.Uri.joinPath(app, ...WHEEL.split('/')).fsPath;
      assert.ok(fs.existsSync(wheel) && fs.statSync(wheel).size > 1000, 'the wheel is copied into the app');
      const requirements = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(app, 'requirements.txt'));
      assert.equal(requirements.getText(), `flask>=2.2\n${WHEEL}\n`);

      // Applying it again changes nothing.
      const again = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(), position: at(document, 'def total'), backend: 'memory', ttl: '5m',
      })) as Outcome;
      assert.deepEqual(again, { applied: false, reason: 'unchanged', change: 'unchanged' });

      // A requirements.txt that lost the line (a Redo that skipped the closed file, a hand edit) and a
      // deleted wheel: caching the function again, with the same settings, puts both back.
      const reverted = new vscode.WorkspaceEdit();
      reverted.replace(requirements.uri, new vscode.Range(0, 0, requirements.lineCount, 0), 'flask>=2.2\n');
      assert.ok(await vscode.workspace.applyEdit(reverted));
      fs.rmSync(wheel);
      const repaired = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(), position: at(document, 'def total'), backend: 'memory', ttl: '5m',
      })) as Outcome;
      assert.deepEqual(repaired, { applied: true, change: 'updated' });
      assert.equal(requirements.getText(), `flask>=2.2\n${WHEEL}\n`);
      assert.ok(fs.existsSync(wheel), 'the wheel is copied again');
      assert.equal(document.getText(), text, 'the source, already cached so, is left as it was');
    } finally {
      await cleanUp(app);
    }
  });

  test('"Change cache settings", then "Remove caching": the settings change in place, and the source is exactly what it was', async () => {
    const app = makeApp('py-remove', { 'requirements.txt': 'flask>=2.2\n' });
    try {
      const document = await open(vscode.Uri.joinPath(app, 'app.py'));
      const original = document.getText();
      await vscode.commands.executeCommand('cachelens.cacheFunction', { uri: document.uri.toString(), position: at(document, 'def total'), backend: 'memory', ttl: '5m' });
      const changed = (await vscode.commands.executeCommand('cachelens.changeSettings', {
        uri: document.uri.toString(), position: at(document, 'def total'), backend: 'lru', ttl: '1h', max: 500,
      })) as Outcome;
      assert.deepEqual(changed, { applied: true, change: 'updated' });
      assert.match(document.getText(), /@memoize\(backend="lru", ttl="1h", max=500, id="app\.py#total"\)/);
      const removed = (await vscode.commands.executeCommand('cachelens.removeCaching', { uri: document.uri.toString(), position: at(document, 'def total') })) as Outcome;
      assert.deepEqual(removed, { applied: true, change: 'removed' });
      assert.equal(document.getText(), original, 'byte for byte the original');
    } finally {
      await cleanUp(app);
    }
  });

  test('an app with only pyproject.toml: config created, nothing vendored (pyproject.toml cannot name a relative wheel)', async () => {
    const pyproject = '[project]\nname = "sales"\nversion = "0.1.0"\n';
    const app = makeApp('py-project', { 'pyproject.toml': pyproject });
    try {
      const document = await open(vscode.Uri.joinPath(app, 'app.py'));
      const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', { uri: document.uri.toString(), position: at(document, 'def total'), backend: 'memory', ttl: '5m' })) as Outcome;
      assert.deepEqual(outcome, { applied: true, change: 'created' });
      assert.ok(fs.existsSync(vscode.Uri.joinPath(app, 'cachelens.config.json').fsPath));
      assert.ok(!fs.existsSync(vscode.Uri.joinPath(app, 'vendor').fsPath), 'no wheel copied');
      assert.ok(!fs.existsSync(vscode.Uri.joinPath(app, 'requirements.txt').fsPath), 'no requirements.txt made');
      const open_ = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === vscode.Uri.joinPath(app, 'pyproject.toml').fsPath);
      assert.equal(open_?.getText() ?? fs.readFileSync(vscode.Uri.joinPath(app, 'pyproject.toml').fsPath, 'utf8'), pyproject, 'pyproject.toml untouched');
    } finally {
      await cleanUp(app);
    }
  });

  test('"Watch this cache" on an lru_cache function: offered by the light bulb and a CodeLens, adds cachelens.watch(rates) and the import, once', async () => {
    const app = makeApp('py-watch', { 'requirements.txt': 'flask>=2.2\n' });
    try {
      const document = await open(vscode.Uri.joinPath(app, 'app.py'));
      const name = at(document, 'rates(day)');
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(name.line, name.character, name.line, name.character));
      assert.ok(actions.some((a) => a.title === 'Watch this cache' && a.command?.command === 'cachelens.watchCache'), actions.map((a) => a.title).join(' | '));
      assert.ok(!actions.some((a) => a.title.startsWith('Cache rates')), 'not offered for caching with CacheLens');
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
      assert.ok(lenses.some((l) => l.command?.command === 'cachelens.watchCache'), 'a CodeLens offers it');

      const refused = (await vscode.commands.executeCommand('cachelens.cacheFunction', { uri: document.uri.toString(), position: name, backend: 'memory', ttl: '5m' })) as Outcome;
      assert.equal(refused.reason, 'functools-cache');
      const outcome = (await vscode.commands.executeCommand('cachelens.watchCache', { uri: document.uri.toString(), position: name })) as Outcome;
      assert.deepEqual(outcome, { applied: true, change: 'created' });
      assert.equal(document.getText(), APP.replace('from functools import lru_cache\n', 'from functools import lru_cache\nimport cachelens\n') + '\n\ncachelens.watch(rates)\n');
      const again = (await vscode.commands.executeCommand('cachelens.watchCache', { uri: document.uri.toString(), position: at(document, 'def rates') })) as Outcome;
      assert.deepEqual(again, { applied: false, reason: 'unchanged', change: 'unchanged' });
      const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
      assert.ok(!after.some((l) => l.command?.command === 'cachelens.watchCache'), 'a watched cache is not offered again');
      assert.ok(!fs.existsSync(vscode.Uri.joinPath(app, 'cachelens.config.json').fsPath), 'watching needs no config');
    } finally {
      await cleanUp(app);
    }
  });
});
