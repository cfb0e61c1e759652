import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';

interface Outcome {
  applied: boolean;
  reason?: string;
  change?: string;
}

const root = () => vscode.workspace.workspaceFolders![0]!.uri;
const file = (...parts: string[]) => vscode.Uri.joinPath(root(), ...parts);

async function open(...parts: string[]): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(file(...parts));
  await vscode.window.showTextDocument(document);
  return document;
}

function positionOf(document: vscode.TextDocument, needle: string): { line: number; character: number } {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} is in ${document.fileName}`);
  const p = document.positionAt(offset);
  return { line: p.line, character: p.character };
}

async function revertAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty)) {
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(document.isDirty, false, `${document.uri.fsPath} was reverted between tests`);
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const config = file('cachelens.config.json');
  if (fs.existsSync(config.fsPath)) fs.rmSync(config.fsPath);
  fs.rmSync(file('vendor').fsPath, { recursive: true, force: true });
}

suite('cache commands (WorkspaceEdit, no prompts when options are given)', () => {
  teardown(revertAll);

  test('caching a plain function wraps it, creates cachelens.config.json (on disk, valid) and adds the dependency (unsaved)', async () => {
    const document = await open('src', 'prices.ts');
    const before = document.getText();
    const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
      uri: document.uri.toString(),
      position: positionOf(document, 'salesRows().filter'),
      backend: 'memory',
      ttl: '5m',
      max: 1000,
    })) as Outcome;
    assert.deepEqual(outcome, { applied: true, change: 'created' });
    const after = document.getText();
    assert.notEqual(after, before);
    assert.equal(after.match(/import \{ memoize \} from 'cachelens';/g)?.length, 1, 'the existing import is reused');
    assert.match(after, /pricesByRegion = memoize\(function pricesByRegion/);
    assert.match(after, /id: 'src\/prices\.ts#pricesByRegion'/);
    assert.equal(document.isDirty, true, 'the source edit is left unsaved for the user');
    // The config is created with its contents by the same edit (issue 15 item 5): on disk and
    // valid at once, so an app started before any save reads it; one Undo still removes it.
    const config = file('cachelens.config.json');
    assert.ok(fs.existsSync(config.fsPath), 'cachelens.config.json is created by the same edit');
    assert.match(fs.readFileSync(config.fsPath, 'utf8'), /"backends"/);
    const pkg = await vscode.workspace.openTextDocument(file('package.json'));
    // This copy of the example has no node_modules, so its "^0.1.0" (which no registry has) is
    // pointed at the runtime's tarball, copied into the app by the same edit.
    assert.match(pkg.getText(), /"cachelens": "file:vendor\/cachelens-0\.1\.0\.tgz"/);
    assert.ok(fs.existsSync(file('vendor', 'cachelens-0.1.0.tgz').fsPath), 'the tarball is on disk');

    // The same settings again change nothing; but a package.json that lost the dependency (a Redo
    // that skipped the closed file, a hand edit) gets it back from the same command.
    const same = { uri: document.uri.toString(), position: positionOf(document, 'salesRows().filter'), backend: 'memory', ttl: '5m', max: 1000 };
    assert.deepEqual(await vscode.commands.executeCommand('cachelens.cacheFunction', same), { applied: false, reason: 'unchanged', change: 'unchanged' });
    const added = pkg.getText();
    const lost = new vscode.WorkspaceEdit();
    lost.replace(pkg.uri, new vscode.Range(pkg.positionAt(0), pkg.positionAt(added.length)), added.replace(/"cachelens": "file:vendor\/cachelens-0\.1\.0\.tgz"/, '"cachelens": "^0.1.0"'));
    assert.ok(await vscode.workspace.applyEdit(lost));
    assert.deepEqual(await vscode.commands.executeCommand('cachelens.cacheFunction', same), { applied: true, change: 'updated' });
    assert.equal(pkg.getText(), added, 'package.json names the vendored runtime again');
    assert.equal(document.getText(), after, 'the source, already cached so, is left as it was');
  });

  test('in an app with no config yet, what the command creates is valid on disk before any save: config, vendored runtime, driver', async () => {
    // Issue 15, items 5 and 6: an app started right after the command (nothing saved) must not read an
    // empty config, and package.json must point at a runtime inside the app plus the backend's driver.
    const app = file('second-app');
    fs.mkdirSync(vscode.Uri.joinPath(app, 'src').fsPath, { recursive: true });
    const packageBefore = '{\n  "name": "second-app",\n  "version": "1.0.0",\n  "dependencies": {\n    "express": "^4.21.0"\n  }\n}\n';
    fs.writeFileSync(vscode.Uri.joinPath(app, 'package.json').fsPath, packageBefore);
    fs.writeFileSync(vscode.Uri.joinPath(app, 'src', 'rates.ts').fsPath, 'export async function rates(day: string): Promise<number[]> {\n  return [day.length];\n}\n');
    try {
      const document = await open('second-app', 'src', 'rates.ts');
      const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(),
        position: positionOf(document, 'day.length'),
        backend: 'redis',
        ttl: '5m',
      })) as Outcome;
      assert.deepEqual(outcome, { applied: true, change: 'created' });
      assert.equal(document.isDirty, true, 'the source edit is left unsaved');

      const configOnDisk = fs.readFileSync(vscode.Uri.joinPath(app, 'cachelens.config.json').fsPath, 'utf8');
      assert.ok(configOnDisk.length > 0, 'cachelens.config.json is not empty on disk');
      const config = JSON.parse(configOnDisk) as { $schema?: string; backends: Record<string, { type: string }> };
      assert.equal(config.backends.redis?.type, 'redis');
      assert.equal(config.$schema, undefined, 'no $schema path into node_modules (the extension contributes the schema)');

      const extension = vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === 'cachelens-vscode')!;
      const version = (extension.packageJSON as { version: string }).version;
      const vendored = vscode.Uri.joinPath(app, 'vendor', `cachelens-${version}.tgz`).fsPath;
      const shipped = vscode.Uri.joinPath(extension.extensionUri, 'dist', 'runtime', `cachelens-${version}.tgz`).fsPath;
      assert.ok(fs.existsSync(vendored), 'the runtime tarball is copied into the app');
      assert.deepEqual(fs.readFileSync(vendored), fs.readFileSync(shipped), 'byte for byte the tarball the extension ships');

      assert.equal(fs.readFileSync(vscode.Uri.joinPath(app, 'package.json').fsPath, 'utf8'), packageBefore, 'package.json on disk is untouched until saved');
      const pkg = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(app, 'package.json'));
      const dependencies = (JSON.parse(pkg.getText()) as { dependencies: Record<string, string> }).dependencies;
      assert.equal(dependencies.cachelens, `file:vendor/cachelens-${version}.tgz`, 'a spec inside the app, not a registry range');
      assert.equal(dependencies.ioredis, '^5.4.0 || ^6.0.0', 'the Redis driver is added with the runtime');
    } finally {
      await revertAll();
      fs.rmSync(app.fsPath, { recursive: true, force: true });
    }
  });

  test('Remove caching restores the original text exactly', async () => {
    const document = await open('src', 'prices.ts');
    const before = document.getText();
    assert.equal(before, fs.readFileSync(document.uri.fsPath, 'utf8'), 'starts from the file as it is on disk');
    const position = positionOf(document, 'salesRows().filter');
    await vscode.commands.executeCommand('cachelens.cacheFunction', { uri: document.uri.toString(), position, backend: 'memory', ttl: '1h' });
    assert.notEqual(document.getText(), before);
    const outcome = (await vscode.commands.executeCommand('cachelens.removeCaching', {
      uri: document.uri.toString(),
      position: positionOf(document, 'salesRows().filter'),
    })) as Outcome;
    assert.deepEqual(outcome, { applied: true, change: 'removed' });
    assert.equal(document.getText(), before);
  });

  test('on a cached function the same command changes the options in place (no second wrapper)', async () => {
    const document = await open('src', 'prices.ts');
    const args = { uri: document.uri.toString(), position: positionOf(document, 'salesRows().filter') };
    await vscode.commands.executeCommand('cachelens.cacheFunction', { ...args, backend: 'memory', ttl: '5m' });
    const outcome = (await vscode.commands.executeCommand('cachelens.changeSettings', {
      uri: document.uri.toString(),
      position: positionOf(document, 'salesRows().filter'),
      backend: 'lru',
      ttl: '1h',
      max: 50,
    })) as Outcome;
    assert.deepEqual(outcome, { applied: true, change: 'updated' });
    const text = document.getText();
    assert.equal(text.match(/memoize\(function pricesByRegion/g)?.length, 1, text);
    assert.match(text, /backend: 'lru'/);
    assert.match(text, /ttl: '1h'/);
    assert.match(text, /max: 50/);
  });

  test('a cached function gets CodeLenses: its figures (none reported yet), its settings, and "Remove caching"', async () => {
    const document = await open('src', 'prices.ts');
    await vscode.commands.executeCommand('cachelens.cacheFunction', {
      uri: document.uri.toString(),
      position: positionOf(document, 'salesRows().filter'),
      backend: 'memory',
      ttl: '5m',
      max: 1000,
    });
    const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri, 10)) as vscode.CodeLens[];
    const line = positionOf(document, 'export const pricesByRegion = memoize(').line;
    const titles = lenses.filter((lens) => lens.range.start.line === line).map((lens) => lens.command?.title);
    assert.ok(titles.includes('$(zap) cached'), JSON.stringify(titles));
    assert.ok(titles.includes('memory · ttl 5m · max 1000'), JSON.stringify(titles));
    assert.ok(titles.includes('Remove caching'), JSON.stringify(titles));
  });

  test('a class method gets the decorator', async () => {
    const document = await open('src', 'reports.ts');
    const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
      uri: document.uri.toString(),
      position: positionOf(document, 'userReport('),
      backend: 'memory',
      ttl: '30s',
    })) as Outcome;
    assert.equal(outcome.applied, true);
    assert.match(document.getText(), /@memoize\(\{[^}]*id: 'src\/reports\.ts#ReportService\.userReport'/);
    assert.match(document.getText(), /^import \{ fetchUserSales, sleep \} from '\.\/data\.js';\nimport \{ memoize \} from 'cachelens';\n/, 'the import is added once, after the existing ones');
  });

  test('outside any function: a clear refusal and no edit', async () => {
    const document = await open('src', 'prices.ts');
    const before = document.getText();
    const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
      uri: document.uri.toString(),
      position: positionOf(document, 'export interface PriceSummary'),
      backend: 'memory',
    })) as Outcome;
    assert.equal(outcome.applied, false);
    assert.equal(outcome.reason, 'no-target');
    assert.equal(document.getText(), before);
    assert.equal(fs.existsSync(file('cachelens.config.json').fsPath), false);
  });

  test('a file with a syntax error: refused, nothing changed', async () => {
    const broken = file('src', 'broken.ts');
    fs.writeFileSync(broken.fsPath, 'export function slow(n: number) {\n  return n * 2;\n\nexport const x = (;\n');
    try {
      const document = await open('src', 'broken.ts');
      const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(),
        position: { line: 1, character: 4 },
        backend: 'memory',
      })) as Outcome;
      assert.equal(outcome.applied, false);
      assert.equal(outcome.reason, 'syntax-error');
      assert.equal(document.isDirty, false);
    } finally {
      fs.rmSync(broken.fsPath);
    }
  });

  test('a read-only file: refused with a message naming it', async () => {
    const target = file('src', 'readonly.ts');
    fs.writeFileSync(target.fsPath, 'export function slow(n: number): number {\n  return n * 2;\n}\n');
    fs.chmodSync(target.fsPath, 0o444);
    try {
      const document = await open('src', 'readonly.ts');
      const outcome = (await vscode.commands.executeCommand('cachelens.cacheFunction', {
        uri: document.uri.toString(),
        position: { line: 1, character: 4 },
        backend: 'memory',
      })) as Outcome & { message?: string };
      assert.equal(outcome.applied, false);
      assert.equal(outcome.reason, 'read-only');
      assert.match(outcome.message ?? '', /readonly\.ts is read-only/);
    } finally {
      fs.chmodSync(target.fsPath, 0o644);
      fs.rmSync(target.fsPath);
    }
  });
});
