import * as vscode from 'vscode';
import type { FunctionRow } from '../../../protocol/panel.js';
import { formatBytes, formatCount, formatDuration, formatPercent, hintText, hitRatio, meanMissMs } from '../../../protocol/format.js';
import { Commands } from '../commands.js';
import { isSupportedLanguage } from '../languages.js';
import { affectsSetting, readSettings } from '../settings.js';
import { findCachedFunctions, type CachedFunctionMatch } from './scan.js';

/**
 * The hover on the line of each cached function: every figure, and a link to the panel (the
 * CodeLens above the function shows the hit ratio and time saved). With `cachelens.inlineHints`
 * on, also `⚡ 94% hits · 1.2k calls · 3.1 s saved` at the end of that line, as an end-of-line
 * decoration (it never shifts lines while typing); off by default, since the end of a long
 * `@memoize({...})` line sits under the minimap or off-screen. Functions are found by their `id`
 * option.
 */
export class InlineHints implements vscode.Disposable {
  readonly #type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  readonly #disposables: vscode.Disposable[] = [];
  readonly #scans = new WeakMap<vscode.TextDocument, { version: number; matches: CachedFunctionMatch[] }>();
  #pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rows: () => ReadonlyMap<string, FunctionRow>,
    private readonly log: (line: string) => void,
  ) {
    this.#disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule(0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.schedule(300);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'inlineHints')) this.schedule(0);
      }),
    );
  }

  /** Re-renders the hints after `delayMs` (coalescing requests). */
  schedule(delayMs = 1000): void {
    if (this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      try {
        this.refresh();
      } catch (error) {
        this.log(`[hints] ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      }
    }, delayMs);
  }

  refresh(): void {
    const endOfLine = readSettings().inlineHints;
    const rows = this.rows();
    for (const editor of vscode.window.visibleTextEditors) {
      if (rows.size === 0 || !isSupportedLanguage(editor.document.languageId)) {
        editor.setDecorations(this.#type, []);
        continue;
      }
      const options: vscode.DecorationOptions[] = [];
      for (const match of this.#scan(editor.document)) {
        const row = rows.get(match.id);
        if (!row) continue;
        const line = editor.document.lineAt(match.line);
        options.push({ range: line.range, hoverMessage: hover(row), ...(endOfLine ? { renderOptions: { after: { contentText: hintText(row) } } } : {}) });
      }
      editor.setDecorations(this.#type, options);
    }
  }

  #scan(document: vscode.TextDocument): CachedFunctionMatch[] {
    const cached = this.#scans.get(document);
    if (cached && cached.version === document.version) return cached.matches;
    const matches = findCachedFunctions(document.getText());
    this.#scans.set(document, { version: document.version, matches });
    return matches;
  }

  dispose(): void {
    if (this.#pending) clearTimeout(this.#pending);
    this.#type.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

function hover(row: FunctionRow): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [Commands.showPanel] };
  // Ids and backend names come from processes: appended as text (escaped), never as markdown.
  md.appendMarkdown('**CacheLens** · ');
  md.appendText(`${row.id} · ${row.backend} (${row.backendType})`);
  md.appendMarkdown(`${row.health === 'degraded' ? ' · $(warning) degraded' : ''}\n\n`);
  md.appendMarkdown('| | |\n|---|---:|\n');
  const lines: [string, string][] = [
    ['Hit ratio', formatPercent(hitRatio(row))],
    ['Hits', formatCount(row.hits)],
    ['Misses', formatCount(row.misses)],
    ['Errors', formatCount(row.errors)],
    ['Entries', formatCount(row.entries)],
    ['Memory', formatBytes(row.bytes)],
    ['Mean miss', formatDuration(meanMissMs(row))],
    ['Time saved', formatDuration(row.savedMs)],
    ['Processes', String(row.processes)],
  ];
  for (const [name, value] of lines) md.appendMarkdown(`| ${name} | ${value} |\n`);
  md.appendMarkdown(`\n\n[$(pulse) Open the CacheLens panel](command:${Commands.showPanel})`);
  return md;
}
