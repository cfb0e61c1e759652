/**
 * The extension host <-> webview panel protocol. Defined once, used by both sides; every message
 * received is validated with the guards here before it is trusted.
 */
export const PANEL_PROTOCOL_VERSION = 1;

/** Host -> webview messages. */
export type HostToPanel = { v: 1; type: 'init'; state: PanelState };

/** Webview -> host messages. */
export type PanelToHost = { v: 1; type: 'ready' };

/** What the panel shows. Grows with the live-statistics feature. */
export interface PanelState {
  processes: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a message received by the webview; returns it typed, or undefined to drop it. */
export function parseHostToPanel(value: unknown): HostToPanel | undefined {
  if (!isObject(value) || value.v !== 1) return undefined;
  if (value.type === 'init' && isObject(value.state) && typeof value.state.processes === 'number') {
    return { v: 1, type: 'init', state: { processes: value.state.processes } };
  }
  return undefined;
}

/** Validates a message received by the host; returns it typed, or undefined to drop it. */
export function parsePanelToHost(value: unknown): PanelToHost | undefined {
  if (!isObject(value) || value.v !== 1) return undefined;
  if (value.type === 'ready') return { v: 1, type: 'ready' };
  return undefined;
}
