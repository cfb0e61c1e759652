/**
 * The extension's settings, read through one typed module. Keys and defaults here must match
 * `contributes.configuration` in package.json (a unit test checks it).
 */
export const SETTINGS_SECTION = 'cachelens';

export const SettingDefaults = {
  /** Backend preselected in "Cache this function" when cachelens.config.json names no default. */
  defaultBackend: 'memory',
  /** TTL preselected ("30s", "5m", "1h", or "" for no expiry) when the config names no default. */
  defaultTtl: '5m',
  /** Max entries preselected; 0 = the backend's default. */
  defaultMax: 1000,
  /** Show live hit ratios next to cached functions. */
  inlineHints: true,
} as const;

export type Settings = { -readonly [K in keyof typeof SettingDefaults]: (typeof SettingDefaults)[K] extends boolean ? boolean : (typeof SettingDefaults)[K] extends number ? number : string };

