import * as vscode from 'vscode';
import type { FunctionRow } from '../../protocol/panel.js';
import { lensFigures, lensTooltip } from '../../protocol/format.js';
import type { Target } from '../codemod/src/index.js';
import { loadCodemod } from './codemod-host.js';
import { Commands } from './commands.js';
import { isSupportedLanguage, LANGUAGE_IDS } from './languages.js';
import { LensRefresh } from './lens-refresh.js';
import { findCachedFunctions } from './live/scan.js';

/**
 * Where the cursor is, in caching terms: sets the context keys the menus use
 * (`cachelens.canCache`: inside something cacheable or cached; `cachelens.isCached`), offers the
 * light-bulb actions on a function's name, and shows CodeLenses above each cached function: its
 * live figures (`96% hits · 1.2 s saved`, opens the panel), its settings (`memory · ttl 5m · max
 * 1000`, changes them) and "Remove caching". The codemod (ts-morph) loads on first use (a cursor
 * move, a light bulb, a CodeLens for a file that mentions memoize), never at activation; a
 * document's analysis is kept per version, so a refresh for new figures costs no parse. The lenses
 * are asked for again when the document's cached functions or the live figures change
 * (LensRefresh: debounced, and only while a document shows lenses).
 */
export const SELECTOR: vscode.DocumentSelector = LANGUAGE_IDS.map((language) => ({ language, scheme: 'file' }));

async function targetAt(document: vscode.TextDocument, offset: number): Promise<Target | undefined> {
  const codemod = await loadCodemod();
  const result = codemod.analyzeAt({
    text: document.getText(),
    fileName: document.fileName,
    position: offset,
    relPath: vscode.workspace.asRelativePath(document.uri, false),
  });
  if (result.ok) return result.target;
  return result.code === 'already-cached' ? result.target : undefined;
}

function describeOptions(target: Target): string {
  const cached = target.cached;
  if (!cached) return '';
  const parts = [cached.backend ?? 'default backend'];
  parts.push(cached.ttl === undefined ? 'no expiry' : `ttl ${cached.ttl}`);
  if (cached.max !== undefined) parts.push(`max ${cached.max}`);
  return parts.join(' · ');
}

/**
 * Registers the providers and context keys; returns the lens refresh, which the live statistics
 * tell when figures change. `rows`: the live figures by function id.
 */
export function registerCacheLens(context: vscode.ExtensionContext, rows: () => ReadonlyMap<string, FunctionRow>): LensRefresh {
  let pending: NodeJS.Timeout | undefined;
  let generation = 0;
  const update = (editor: vscode.TextEditor | undefined) => {
    clearTimeout(pending);
    const mine = ++generation;
    if (!editor || !isSupportedLanguage(editor.document.languageId)) {
      void vscode.commands.executeCommand('setContext', 'cachelens.canCache', false);
      void vscode.commands.executeCommand('setContext', 'cachelens.isCached', false);
      return;
    }
    pending = setTimeout(async () => {
      const target = await targetAt(editor.document, editor.document.offsetAt(editor.selection.active)).catch(() => undefined);
      if (mine !== generation) return;
      await vscode.commands.executeCommand('setContext', 'cachelens.canCache', target !== undefined);
      await vscode.commands.executeCommand('setContext', 'cachelens.isCached', target?.cached !== undefined);
    }, 50);
  };

  const codeLensChanged = new vscode.EventEmitter<void>();
  const refresh = new LensRefresh(() => codeLensChanged.fire());
  const cachedIds = (document: vscode.TextDocument) => findCachedFunctions(document.getText()).map((match) => match.id);
  /** The cached functions of each document, as analyzed for its version (the lenses ask again for every change of figures). */
  const analyses = new Map<string, { version: number; targets: Target[] }>();
  const cachedTargets = async (document: vscode.TextDocument): Promise<Target[]> => {
    const key = document.uri.toString();
    const known = analyses.get(key);
    if (known?.version === document.version) return known.targets;
    const { version } = document;
    const text = document.getText();
    const targets: Target[] = [];
    const seen = new Set<string>();
    if (text.includes('memoize')) {
      for (const match of text.matchAll(/\bmemoize\s*\(/g)) {
        const target = await targetAt(document, match.index).catch(() => undefined);
        if (!target?.cached || seen.has(target.id)) continue;
        seen.add(target.id);
        targets.push(target);
      }
    }
    if (document.version === version) analyses.set(key, { version, targets });
    return targets;
  };
  context.subscriptions.push(
    codeLensChanged,
    refresh,
    { dispose: () => clearTimeout(pending) },
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (isSupportedLanguage(e.document.languageId) && e.document.uri.scheme === 'file') refresh.documentChanged(e.document.uri.toString(), cachedIds(e.document));
    }),
    vscode.workspace.onDidCloseTextDocument((document) => {
      analyses.delete(document.uri.toString());
      refresh.closed(document.uri.toString());
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => update(e.textEditor)),
    vscode.window.onDidChangeActiveTextEditor((editor) => update(editor)),
    vscode.languages.registerCodeActionsProvider(
      SELECTOR,
      {
        async provideCodeActions(document, range) {
          const offset = document.offsetAt(range.start);
          const target = await targetAt(document, offset).catch(() => undefined);
          if (!target || offset < target.nameRange.start || offset > target.nameRange.end) return [];
          const args = { uri: document.uri.toString(), position: { line: range.start.line, character: range.start.character } };
          const action = (title: string, command: string) => {
            const a = new vscode.CodeAction(title, vscode.CodeActionKind.RefactorRewrite);
            a.command = { title, command, arguments: [args] };
            return a;
          };
          return target.cached
            ? [action(`Change cache settings of ${target.name}…`, Commands.changeSettings), action(`Remove caching of ${target.name}`, Commands.removeCaching)]
            : [action(`Cache ${target.name}…`, Commands.cacheFunction)];
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.RefactorRewrite] },
    ),
    vscode.languages.registerCodeLensProvider(SELECTOR, {
      onDidChangeCodeLenses: codeLensChanged.event,
      async provideCodeLenses(document) {
        const targets = await cachedTargets(document);
        const figures = rows();
        const lenses: vscode.CodeLens[] = [];
        for (const target of targets) {
          const position = document.positionAt(target.range.start);
          const args = { uri: document.uri.toString(), position: { line: position.line, character: position.character } };
          const range = new vscode.Range(position, position);
          const row = figures.get(target.cached?.id ?? target.id);
          lenses.push(
            new vscode.CodeLens(range, row
              ? { title: `${row.health === 'degraded' ? '$(warning)' : '$(zap)'} ${lensFigures(row)}`, command: Commands.showPanel, tooltip: lensTooltip(row) }
              : { title: '$(zap) cached', command: Commands.showPanel, tooltip: 'No process has reported this function yet: run the app from a VS Code terminal, and its hit ratio and time saved show here, live.' }),
            new vscode.CodeLens(range, { title: describeOptions(target), command: Commands.changeSettings, arguments: [args], tooltip: 'Change cache settings' }),
            new vscode.CodeLens(range, { title: 'Remove caching', command: Commands.removeCaching, arguments: [args] }),
          );
        }
        refresh.shown(document.uri.toString(), lenses.length, cachedIds(document));
        return lenses;
      },
    }),
  );
  // No analysis at activation, so opening a file never loads ts-morph by itself: the context keys
  // are computed from the first cursor move on. Activation can come after the cursor was placed (a
  // slow start, or a file that was open before the extension was installed), and then no move may
  // follow before the user right-clicks; until one does, "Cache this function" is offered in any
  // file of a supported language. The command analyzes the file itself: outside a function it says
  // where to put the cursor, on a cached function it changes that function's settings.
  const editor = vscode.window.activeTextEditor;
  if (editor && isSupportedLanguage(editor.document.languageId)) {
    void vscode.commands.executeCommand('setContext', 'cachelens.canCache', true);
  }
  return refresh;
}
