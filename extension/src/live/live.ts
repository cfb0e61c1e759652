import * as vscode from 'vscode';
import { emptySnapshot, MAX_ROWS, type CandidateRow, type FunctionRow, type HostToPanel, type LiveSnapshot, type OpenRequest, type WhatIfView, type WorkspaceFunction } from '../../../protocol/panel.js';
import { ENDPOINT_ENV } from '../../../runtime/src/protocol.js';
import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import { Commands } from '../commands.js';
import { isSupportedLanguage } from '../languages.js';
import { readSettings } from '../settings.js';
import type { CachePanel, PanelFeed } from '../panel.js';
import type { Notice } from '../panel-messages.js';
import { PanelRows } from '../server/panel-rows.js';
import type { LiveServer } from '../server/server.js';
import type { CurveWorker } from '../whatif/runner.js';
import { InlineHints } from './hints.js';
import { CandidateSources } from '../observe/candidate-sources.js';
import { findCandidates } from '../observe/find-candidates.js';
import { loadCodemod } from '../codemod-host.js';
import { locateSource, type SourceLocator } from './source-location.js';
import { LiveStatusBar } from './status-bar.js';
import { resolveSourceFile, scanDocument, scanWorkspace } from './workspace-scan.js';

const ENDPOINT_STATE_KEY = 'cachelens.live.endpoint';

function rememberedEndpoint(value: unknown): { port: number; token: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { port, token } = value as { port?: unknown; token?: unknown };
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  if (typeof token !== 'string' || token.length < 32) return undefined;
  return { port, token };
}

/** Paths through the workspace; text from the editor when the file is open there (unsaved edits included), else from disk. */
const SOURCE_LOCATOR: SourceLocator = {
  resolve: async (file) => (await resolveSourceFile(file))?.fsPath,
  read: async (file) => {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (open) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
    } catch {
      return undefined;
    }
  },
};

const NO_ROWS: ReadonlyMap<string, FunctionRow> = new Map();

/**
 * The debug types whose launches get the endpoint in their environment: Node's, and the Python
 * extension's (`python`, and `debugpy` of the newer Python Debugger extension), which read `env`
 * the same way. The Python path is checked by resolving a configuration in the extension host;
 * the Python extension itself cannot be installed where the tests run.
 */
export const ENDPOINT_DEBUG_TYPES: ReadonlySet<string> = new Set(['node', 'pwa-node', 'node-terminal', 'python', 'debugpy']);

/**
 * The live statistics in the editor: starts the socket server (when the workspace uses CacheLens,
 * or on demand), publishes its endpoint to terminals and to Node and Python debug sessions, and feeds the status
 * bar, the inline hints and the panel from the server's aggregator.
 */
export class LiveController implements PanelFeed, vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.#changed.event;
  readonly #statusBar = new LiveStatusBar();
  readonly #hints: InlineHints;
  readonly #disposables: vscode.Disposable[] = [];
  #server: LiveServer | undefined;
  #starting: Promise<LiveServer | undefined> | undefined;
  #workspaceFunctions: WorkspaceFunction[] = [];
  readonly #panelRows = new PanelRows();
  #statusTimer: ReturnType<typeof setTimeout> | undefined;
  #curveWorker: CurveWorker | undefined;
  /** Observe mode's candidates: their sources and purity hints, looked up once each. */
  readonly #candidateSources = new CandidateSources({
    locate: (file, line) => locateSource({ file, line }, [], SOURCE_LOCATOR),
    read: (file) => SOURCE_LOCATOR.read(file),
    hints: async (text, file, line) => (await loadCodemod()).purityHints(text, file, line),
  }, () => this.#changed.fire(), (line) => this.output.appendLine(line));

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    /** Called when the figures change (the CodeLenses refresh, debounced on their side). */
    private readonly figuresChanged: () => void = () => undefined,
  ) {
    this.#hints = new InlineHints(() => this.functionRows(), (line) => this.output.appendLine(line));
    this.#disposables.push(
      this.#statusBar,
      this.#hints,
      this.#changed,
      vscode.commands.registerCommand(Commands.startLiveServer, () => this.start()),
      vscode.commands.registerCommand(Commands.findCandidates, () => {
        this.#candidateSources.clear();
        return findCandidates(this.context, () => this.start());
      }),
      vscode.debug.registerDebugConfigurationProvider('*', {
        resolveDebugConfiguration: (_folder, config) => {
          if (this.#server?.listening && ENDPOINT_DEBUG_TYPES.has(config.type)) {
            config.env = { ...(config.env as Record<string, string> | undefined), ...this.#server.environment };
          }
          return config;
        },
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.#rescanDocument(document)),
    );
  }

  /**
   * Starts the server as soon as the user can cache something: when the workspace uses CacheLens (a
   * config file or a `cachelens` dependency), or when a file "Cache this function" works in is
   * open (now or later). A terminal opened from then on carries the endpoint; one opened before
   * gets VS Code's own relaunch hint when the collection changes. The server is one loopback
   * socket, and its code loads only then.
   */
  async autoStart(): Promise<void> {
    if (this.#server || this.#starting) return;
    if (vscode.workspace.textDocuments.some((d) => isSupportedLanguage(d.languageId))) {
      await this.start();
      return;
    }
    const opened = vscode.workspace.onDidOpenTextDocument((document) => {
      if (!isSupportedLanguage(document.languageId)) return;
      opened.dispose();
      void this.start();
    });
    this.#disposables.push(opened);
    const [config] = await vscode.workspace.findFiles(`**/${CONFIG_FILE_NAME}`, '**/node_modules/**', 1);
    if (config || (await this.#dependsOnCacheLens())) {
      opened.dispose();
      await this.start();
    }
  }

  /** Starts the server (once) and publishes its endpoint. */
  start(): Promise<LiveServer | undefined> {
    if (this.#server) return Promise.resolve(this.#server);
    this.#starting ??= (async () => {
      try {
        const { LiveServer } = await import('../server/server.js');
        const allowedOrigins = readSettings()['live.allowedOrigins'];
        const log = (line: string) => this.output.appendLine(line);
        // The same port and token as last time in this workspace, when free: apps still running in
        // the terminals (which keep their environment over a window reload) reconnect on their own.
        const remembered = rememberedEndpoint(this.context.workspaceState.get(ENDPOINT_STATE_KEY));
        let server = new LiveServer({ log, allowedOrigins, ...remembered });
        try {
          await server.start();
        } catch (error) {
          if (!remembered) throw error;
          log(`[server] port ${remembered.port} is taken (another window on this workspace?); using a new port and token`);
          server = new LiveServer({ log, allowedOrigins });
          await server.start();
        }
        await this.context.workspaceState.update(ENDPOINT_STATE_KEY, { port: server.port, token: server.token });
        this.#server = server;
        server.aggregator.onChange(() => this.#onAggregate());
        server.candidates.onChange(() => this.#changed.fire());
        const env = this.context.environmentVariableCollection;
        env.persistent = false; // set afresh on every start, never restored from an older session
        // Terminals opened before this get VS Code's stale-environment hint (and, when untouched, are
        // relaunched by VS Code itself: terminal.integrated.environmentChangesRelaunch).
        env.description = 'CacheLens: lets apps started here report their cache statistics to the editor (relaunch a terminal opened before it started)';
        env.replace(ENDPOINT_ENV, server.endpoint);
        this.#changed.fire();
        this.#updateStatus();
        return server;
      } catch (error) {
        this.output.appendLine(`[server] could not start: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  snapshot(selected: string | null): LiveSnapshot {
    const state = this.#state(selected);
    this.#panelRows.full(state.functions);
    return state;
  }

  /** The next update: the rows that changed since the last one (a patch), or everything when due. */
  update(selected: string | null): HostToPanel {
    if (this.#panelRows.fullDue) return { v: 1, type: 'update', state: this.snapshot(selected) };
    const { functions, ...rest } = this.#state(selected);
    return { v: 1, type: 'patch', state: { ...rest, ...this.#panelRows.patch(functions) } };
  }

  #state(selected: string | null): LiveSnapshot {
    const server = this.#server;
    return server
      ? {
          at: Date.now(),
          server: server.listening ? 'listening' : 'stopped',
          processes: server.aggregator.processes(),
          functions: server.aggregator.boundedRows(MAX_ROWS),
          breakdown: selected ? server.aggregator.functionByProcess(selected) : [],
          workspaceFunctions: this.#workspaceFunctions,
          ...this.#candidates(server),
        }
      : { ...emptySnapshot(Date.now()), workspaceFunctions: this.#workspaceFunctions };
  }

  /** Observe mode's ranking, when anything was observed. */
  #candidates(server: LiveServer): { candidates?: CandidateRow[] } {
    const ranked = server.candidates.rank();
    return ranked.length > 0 ? { candidates: this.#candidateSources.decorate(ranked) } : {};
  }

  /** "Cache this function" on a candidate: the cache command at the function's line in the workspace's source. */
  async cacheCandidate(id: string, file: string, line: number): Promise<Notice> {
    const source = await this.#candidateSources.source(file, line);
    if (!source) return { level: 'error', text: `Could not find ${file} (line ${line}) in the workspace.` };
    const text = await SOURCE_LOCATOR.read(source.file);
    const lineText = text?.split(/\r?\n/)[source.line - 1] ?? '';
    const name = id.slice(id.lastIndexOf('#') + 1).split('.').pop() ?? '';
    const at = name ? lineText.search(new RegExp(`\\b${name.replace(/[$]/g, '\\$&')}\\b`)) : -1;
    const character = at >= 0 ? at : Math.max(0, lineText.search(/\S/));
    const uri = vscode.Uri.file(source.file);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(source.line - 1, character, source.line - 1, character), viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand(Commands.cacheFunction, { uri, position: { line: source.line - 1, character } });
    return undefined;
  }

  async refreshWorkspaceFunctions(): Promise<void> {
    try {
      this.#workspaceFunctions = await scanWorkspace();
      this.#changed.fire();
    } catch (error) {
      this.output.appendLine(`[panel] workspace scan failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A saved file of a supported language: replaces its entries in the workspace list (no new workspace scan). */
  #rescanDocument(document: vscode.TextDocument): void {
    if (!isSupportedLanguage(document.languageId)) return;
    const file = vscode.workspace.asRelativePath(document.uri, false);
    const others = this.#workspaceFunctions.filter((f) => f.file !== file);
    const mine = scanDocument(document);
    if (mine.length === 0 && others.length === this.#workspaceFunctions.length) return;
    this.#workspaceFunctions = [...others, ...mine].sort((a, b) => a.id.localeCompare(b.id));
    this.#changed.fire();
  }

  /** The panel (re)loaded: start the server and list the workspace's cached functions. */
  panelReady(): void {
    void this.start();
    void this.refreshWorkspaceFunctions();
  }

  async startServer(): Promise<Notice> {
    return (await this.start()) ? undefined : { level: 'error', text: 'The CacheLens server could not start; see the "CacheLens" output channel.' };
  }

  /** Opens a cached function's source: where the workspace declares its id, else the reported location mapped back through its source map. */
  async open(request: OpenRequest): Promise<Notice> {
    const found = await locateSource(request, this.#workspaceFunctions, SOURCE_LOCATOR);
    if (!found) return { level: 'error', text: `Could not find ${request.file ?? request.id} in the workspace.` };
    const at = Math.max(0, found.line - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(found.file), { selection: new vscode.Range(at, 0, at, 0), viewColumn: vscode.ViewColumn.One });
    return undefined;
  }

  /** The what-if view of `id`: the code (and its worker thread) load on the first request only. */
  async whatIf(id: string): Promise<WhatIfView> {
    const server = this.#server;
    if (!server) return { state: 'error', text: 'The CacheLens server is not running, so no process is connected.' };
    const [{ whatIfView }, { CurveWorker }] = await Promise.all([import('../whatif/whatif.js'), import('../whatif/runner.js')]);
    this.#curveWorker ??= new CurveWorker({ script: vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'extension', 'whatif-worker.js').fsPath });
    return whatIfView(server, this.#curveWorker, id);
  }

  async clear(id: string | undefined, process: string | undefined): Promise<Notice> {
    const server = this.#server;
    if (!server) return { level: 'error', text: 'No process is connected.' };
    const targets = process
      ? [process]
      : server.aggregator.processes().filter((p) => p.connected && server.aggregator.functionByProcess(id!).some((f) => f.key === p.key)).map((p) => p.key);
    const results = await Promise.all(targets.map((key) => server.clear(key, id)));
    const failed = results.filter((r) => !r.ok);
    const what = id ? `the cache of ${id}` : 'every cache of the process';
    if (targets.length === 0) return { level: 'error', text: `No connected process holds ${what}.` };
    if (failed.length > 0) return { level: 'error', text: `Could not clear ${what} in ${failed.length} of ${targets.length} process(es): ${failed[0]!.error ?? 'unknown error'}` };
    return { level: 'info', text: `Cleared ${what} in ${targets.length} process${targets.length === 1 ? '' : 'es'}.` };
  }

  /** The function rows by id, kept up to date by the aggregator: only rows that changed are rebuilt. */
  functionRows(): ReadonlyMap<string, FunctionRow> {
    return this.#server?.aggregator.functionRows() ?? NO_ROWS;
  }

  #onAggregate(): void {
    this.#changed.fire();
    this.figuresChanged();
    this.#hints.schedule(1000);
    if (!this.#statusTimer) {
      this.#statusTimer = setTimeout(() => {
        this.#statusTimer = undefined;
        this.#updateStatus();
      }, 500);
    }
  }

  #updateStatus(): void {
    const server = this.#server;
    if (!server) return this.#statusBar.update(false, 0, 0, 0);
    const processes = server.aggregator.processes();
    const connected = processes.filter((p) => p.connected).length;
    this.#statusBar.update(server.listening, connected, processes.length - connected, this.functionRows().size);
  }

  async #dependsOnCacheLens(): Promise<boolean> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      try {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, 'package.json')));
        const manifest = JSON.parse(text) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
        if (manifest.dependencies?.cachelens || manifest.devDependencies?.cachelens) return true;
      } catch {
        // no readable package.json in this folder
      }
    }
    return false;
  }

  dispose(): void {
    if (this.#statusTimer) clearTimeout(this.#statusTimer);
    this.#curveWorker?.dispose();
    void this.#server?.stop();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

/** Wires the live statistics into the extension: one call from `activate`. */
export function registerLive(context: vscode.ExtensionContext, output: vscode.OutputChannel, panel: CachePanel, figuresChanged?: () => void): LiveController {
  const live = new LiveController(context, output, figuresChanged);
  context.subscriptions.push(live);
  panel.attach(live);
  void live.autoStart();
  return live;
}
