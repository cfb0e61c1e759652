/**
 * The host's one dispatcher for the panel's messages: a table from message type to handler. Its
 * type is a mapped type over protocol/panel.ts's `PanelToHost`, so a message type without a
 * handler (or a handler for a type the panel does not send) is a compile error. No vscode here:
 * CachePanel (panel.ts) supplies the effects, and unit tests run the table under plain Node.
 */
import { emptySnapshot, type HostToPanel, type LiveSnapshot, type OpenRequest, type PanelMessage, type PanelToHost, type PanelToHostType, type WhatIfView } from '../../protocol/panel.js';

/** A notice the panel shows after an action; undefined: nothing to say. */
export type Notice = { level: 'info' | 'error'; text: string } | undefined;

/** Where the panel's figures come from and where its actions go (the live statistics). */
export interface PanelActions {
  /** The current figures, with the per-process breakdown of `selected`. */
  snapshot(selected: string | null): LiveSnapshot;
  /** The panel (re)loaded: start what it shows (the server, the workspace scan). */
  panelReady(): void;
  /** Starts the live statistics server; resolves to a notice when it could not start. */
  startServer(): Promise<Notice>;
  /** Opens a cached function's source (by its id, or a reported location mapped back to its source). */
  open(request: OpenRequest): Promise<Notice>;
  /** Clears one function in every process (`id`), every function of one process (`process`), or both. */
  clear(id: string | undefined, process: string | undefined): Promise<Notice>;
  /** The what-if view of function `id` (computed on demand, off the host's thread). Never rejects. */
  whatIf(id: string): Promise<WhatIfView>;
  /** "Cache this function" on an observed candidate (`file`, 1-based `line` as reported; mapped to the workspace's source). */
  cacheCandidate(id: string, file: string, line: number): Promise<Notice>;
}

/** What the handlers do to the panel. */
export interface PanelHost {
  /** Posts a message to the webview. */
  post(message: HostToPanel): void;
  /** The live statistics, once attached. */
  actions(): PanelActions | undefined;
  /** The function whose breakdown the panel follows. */
  selected: string | null;
  /** Sends fresh figures soon (throttled). */
  scheduleUpdate(): void;
}

export type PanelHandlers = { readonly [T in PanelToHostType]: (message: PanelMessage<T>) => Promise<void> };

/** The handler of each panel message. */
export function panelHandlers(host: PanelHost): PanelHandlers {
  const notify = async (notice: Promise<Notice> | undefined) => {
    const shown = await notice;
    if (shown) host.post({ v: 1, type: 'notice', ...shown });
  };
  return {
    ready: async () => {
      const actions = host.actions();
      host.post({ v: 1, type: 'init', state: actions?.snapshot(host.selected) ?? emptySnapshot(Date.now()) });
      actions?.panelReady();
    },
    select: async (message) => {
      host.selected = message.id;
      host.scheduleUpdate();
    },
    'start-server': async () => notify(host.actions()?.startServer()),
    open: async ({ v: _v, type: _type, ...request }) => notify(host.actions()?.open(request)),
    clear: async (message) => notify(host.actions()?.clear(message.id, message.process)),
    'cache-candidate': async ({ id, file, line }) => notify(host.actions()?.cacheCandidate(id, file, line)),
    whatif: async ({ id, requestId }) => {
      host.post({ v: 1, type: 'whatif', id, requestId, view: { state: 'computing', text: `Asking the app for the trace of ${id} and replaying it…` } });
      const actions = host.actions();
      const view: WhatIfView = actions
        ? await actions.whatIf(id).catch((error: unknown) => ({ state: 'error' as const, text: error instanceof Error ? error.message : String(error) }))
        : { state: 'error', text: 'No process is connected.' };
      host.post({ v: 1, type: 'whatif', id, requestId, view });
    },
  };
}

/** Runs the handler of `message`; a failure becomes an error notice (and is returned for the log). */
export async function dispatchPanelMessage(handlers: PanelHandlers, host: Pick<PanelHost, 'post'>, message: PanelToHost): Promise<string | undefined> {
  try {
    await (handlers[message.type] as (m: PanelToHost) => Promise<void>)(message);
    return undefined;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    host.post({ v: 1, type: 'notice', level: 'error', text });
    return `${message.type} failed: ${text}`;
  }
}
