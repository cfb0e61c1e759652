/**
 * Issue 15, item 7, in a new app (no cachelens.config.json, no cachelens dependency, the panel never
 * opened): once a file "Cache this function" works in is open, a new terminal already carries
 * CACHELENS_ENDPOINT. Run by workbench.e2e.ts in a workspace made for it (.cachelens-ext-host-suites).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';

const root = () => vscode.workspace.workspaceFolders![0]!.uri;

/** What a new terminal's environment says, read by a shell that writes it to a file and exits. */
async function endpointOfNewTerminal(index: number): Promise<string> {
  const target = path.join(os.tmpdir(), `cachelens-endpoint-${process.pid}-${index}`);
  fs.rmSync(target, { force: true });
  const terminal = vscode.window.createTerminal({ name: `CacheLens probe ${index}`, shellPath: '/bin/sh', shellArgs: ['-c', `printf %s "$CACHELENS_ENDPOINT" > '${target}'`] });
  try {
    const deadline = Date.now() + 15_000;
    while (!fs.existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(target), 'the probe terminal ran');
    return fs.readFileSync(target, 'utf8');
  } finally {
    terminal.dispose();
    fs.rmSync(target, { force: true });
  }
}

suite('a new app: terminals get the endpoint without the panel', () => {
  test('the workspace has no CacheLens yet', () => {
    assert.equal(fs.existsSync(vscode.Uri.joinPath(root(), 'cachelens.config.json').fsPath), false);
    assert.doesNotMatch(fs.readFileSync(vscode.Uri.joinPath(root(), 'package.json').fsPath, 'utf8'), /cachelens/);
  });

  test('after a TypeScript file is opened, a new terminal carries CACHELENS_ENDPOINT (the panel never opened)', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root(), 'src', 'app.ts'));
    await vscode.window.showTextDocument(document);
    // The server starts in the background once the file is open: a terminal opened at that moment
    // may come a little before it; within 60 s (a loaded machine activates slowly) one must carry
    // the endpoint (before: never).
    let endpoint = '';
    const deadline = Date.now() + 60_000;
    for (let i = 0; endpoint === '' && Date.now() < deadline; i++) endpoint = await endpointOfNewTerminal(i);
    assert.match(endpoint, /^ws:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/);
  });
});

suite('debug sessions get the endpoint: Node and Python', () => {
  /**
   * The configuration VS Code would launch for `config`, after every provider resolved it: a
   * provider of the last resolution step records it and cancels the launch (returns undefined).
   * The Python extension cannot be installed here, so the Python debugger itself never starts:
   * this checks what CacheLens contributes to its launch, not the debugger's own path.
   */
  async function resolved(config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    let seen: vscode.DebugConfiguration | undefined;
    const recorder = vscode.debug.registerDebugConfigurationProvider('*', {
      resolveDebugConfigurationWithSubstitutedVariables: (_folder, resolvedConfig) => {
        if (resolvedConfig.name === config.name) seen = resolvedConfig;
        return undefined;
      },
    });
    try {
      await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], config);
    } catch {
      // a launch cancelled by the recorder, or a debug type with no debugger here
    } finally {
      recorder.dispose();
    }
    return seen;
  }

  for (const type of ['python', 'debugpy', 'node']) {
    test(`a "${type}" launch configuration gets CACHELENS_ENDPOINT and keeps its own env`, async () => {
      const config = await resolved({ type, request: 'launch', name: `CacheLens probe ${type}`, program: '${workspaceFolder}/app.py', env: { APP_MODE: 'dev' } });
      assert.ok(config, `VS Code resolved the ${type} configuration`);
      const env = config.env as Record<string, string> | undefined;
      assert.match(env?.CACHELENS_ENDPOINT ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/);
      assert.equal(env?.APP_MODE, 'dev');
    });
  }
});
