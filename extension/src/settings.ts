/**
 * The one place that reads the extension's configuration (the lint rule `cachelens/settings-only`
 * forbids `getConfiguration(` anywhere else): every key of `SettingDefaults`, no other.
 */
import * as vscode from 'vscode';

import { SETTINGS_SECTION, SettingDefaults, type SettingKey, type Settings } from './settings-defaults.js';

export { SETTINGS_SECTION, SettingDefaults, type SettingKey, type Settings };

/** Reads the settings for a resource (or the window); a setting not set is its default. */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const settings: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(SettingDefaults)) settings[key] = config.get(key, fallback);
  return settings as Settings;
}

/** Whether a configuration change touches setting `key`. */
export function affectsSetting(event: vscode.ConfigurationChangeEvent, key: SettingKey): boolean {
  return event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`);
}
