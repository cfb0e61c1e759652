import * as vscode from 'vscode';

import { SETTINGS_SECTION, SettingDefaults, type Settings } from './settings-defaults.js';

export { SETTINGS_SECTION, SettingDefaults, type Settings };

/** Reads the settings for a resource (or the window). */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return {
    defaultBackend: config.get<string>('defaultBackend', SettingDefaults.defaultBackend),
    defaultTtl: config.get<string>('defaultTtl', SettingDefaults.defaultTtl),
    defaultMax: config.get<number>('defaultMax', SettingDefaults.defaultMax),
    inlineHints: config.get<boolean>('inlineHints', SettingDefaults.inlineHints),
  };
}
