/**
 * The CacheLens CodeLens provider's `onDidChangeCodeLenses` fires when live figures change: a
 * process reports over the real live server (the runtime's reporter, in this extension host) and,
 * with no edit at all, VS Code asks the document's CodeLens providers again. A second provider
 * registered here for the same document counts those requests: VS Code recomputes a document's
 * lenses from every provider when any one of them fires its change event.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';

/** The part of the runtime this test drives (the built package, resolved from the repository). */
interface Runtime {
  memoize<A extends unknown[], R>(fn: (...args: A) => R, options: { id: string }): (...args: A) => R;
  startReporter(options: { endpoint: string; intervalMs: number }): Promise<unknown>;
  stopReporter(): void;
}

const root = () => vscode.workspace.workspaceFolders![0]!.uri;

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `count()` has not moved for `quietMs` (at most `timeoutMs`). */
async function settled(count: () => number, quietMs: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > end) throw new Error(`CodeLens requests did not settle in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (count() !== last) {
      last = count();
      since = Date.now();
    }
  }
}

suite('CodeLens refresh', () => {
  let runtime: Runtime | undefined;
  teardown(async () => {
    runtime?.stopReporter();
    for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty)) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const config = vscode.Uri.joinPath(root(), 'cachelens.config.json');
    if (fs.existsSync(config.fsPath)) fs.rmSync(config.fsPath);
  });

  test('live figures that change make VS Code ask for the CodeLenses again, with no edit', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root(), 'src', 'prices.ts'));
    await vscode.window.showTextDocument(document);
    const at = document.positionAt(document.getText().indexOf('salesRows().filter'));
    await vscode.commands.executeCommand('cachelens.cacheFunction', {
      uri: document.uri.toString(), position: { line: at.line, character: at.character }, backend: 'memory', ttl: '5m', max: 1000,
    });
    let asked = 0;
    const counter = vscode.languages.registerCodeLensProvider({ language: document.languageId, scheme: 'file' }, {
      provideCodeLenses: (requested) => {
        if (requested.uri.toString() === document.uri.toString()) asked++;
        return [];
      },
    });
    try {
      const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri)) as vscode.CodeLens[];
      assert.ok(lenses.some((lens) => lens.command?.title === '$(zap) cached'), 'the document shows a CacheLens, with no figures yet');
      const server = (await vscode.commands.executeCommand('cachelens.startLiveServer')) as { endpoint?: string } | undefined;
      assert.ok(server?.endpoint, 'the live server started');
      await settled(() => asked, 1500, 15_000);
      const before = asked;

      // eslint-disable-next-line @typescript-eslint/no-require-imports
      runtime = require('cachelens') as Runtime;
      // The same id as the function cached above: its lens shows the figures this process reports.
      const id = /\bid: (["'])([^"']+#pricesByRegion)\1/.exec(document.getText())?.[2];
      assert.ok(id, 'the codemod wrote an id');
      const f = runtime.memoize((x: number) => x + 1, { id });
      await runtime.startReporter({ endpoint: server.endpoint, intervalMs: 50 });
      for (let i = 0; i < 20; i++) f(i % 3);

      await until('VS Code to ask for the CodeLenses again', () => asked > before, 10_000);
      // 17 hits of 20 calls: the lens above the function reads them (issue 15, item 10).
      let titles: string[] = [];
      for (const end = Date.now() + 10_000; !titles.some((t) => /^\$\(zap\) 85% hits · .+ saved$/.test(t)); ) {
        if (Date.now() > end) assert.fail(`the CodeLens never showed the live figures: ${JSON.stringify(titles)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri)) as vscode.CodeLens[];
        titles = now.map((lens) => lens.command?.title ?? '');
      }
    } finally {
      counter.dispose();
    }
  });
});
