/**
 * The extension's settings: every key (under `cachelens.`) and its default. `readSettings` in
 * settings.ts reads exactly these keys, and is the only place that reads configuration (the lint
 * rule `cachelens/settings-only` forbids `getConfiguration(` elsewhere), so this object is the set
 * of settings the code reads. `contributes.configuration` in package.json must declare the same
 * keys with the same defaults (test/unit/foundation/manifest.test.ts checks it).
 *
 * Adding a setting: a key and default here, its declaration (type, default, description) in
 * package.json, then read it as `readSettings(scope).key`.
 */
export const SETTINGS_SECTION = 'cachelens';

export const SettingDefaults = {
  /** Backend preselected in "Cache this function" when cachelens.config.json names no default. */
  defaultBackend: 'memory',
  /** TTL preselected ("30s", "5m", "1h", or "" for no expiry) when the config names no default. */
  defaultTtl: '5m',
  /** Max entries preselected; 0 = the backend's default. */
  defaultMax: 1000,
  /** Also show the live figures at the end of a cached function's line (the CodeLens above it always does). */
  inlineHints: false,
  /**
   * Browser origins (exact, e.g. `http://localhost:5173`) allowed to connect to the live-statistics
   * server; processes without an Origin header (Node) always may. Read when the server starts.
   */
  'live.allowedOrigins': [] as readonly string[],
} as const;

/** A default's type, widened: `true` -> boolean, `1000` -> number, `'5m'` -> string. */
type Widened<T> = T extends boolean ? boolean : T extends number ? number : T extends string ? string : T;

export type SettingKey = keyof typeof SettingDefaults;
export type Settings = { -readonly [K in SettingKey]: Widened<(typeof SettingDefaults)[K]> };
