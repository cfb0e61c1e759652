import * as vscode from 'vscode';
import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import { backendChoices, ttlOrder, validateMax, validateTtl, valueChoices, type Choice } from './option-values.js';

/** What the user picked; `ttl`/`max` undefined mean "no expiry" / "the backend's default". */
export interface PickedOptions {
  backend: string;
  ttl: string | undefined;
  max: number | undefined;
}

export interface PromptDefaults {
  backend: string;
  ttl: string | undefined;
  max: number | undefined;
  /** Backends named in the config file. */
  named: { name: string; type: string }[];
  /** Whether picking `backend` would make the function return Promises (a shared backend, a function that is not async): such backends are marked. */
  makesPromises: (backend: string) => boolean;
}

/**
 * One quick pick step; the entry marked `active` is preselected (showQuickPick cannot preselect
 * without moving it to the top, which put the sizes out of order).
 */
async function pick<T>(title: string, step: number, choices: Choice<T>[], placeHolder: string): Promise<Choice<T> | undefined> {
  const quickPick = vscode.window.createQuickPick<Choice<T> & vscode.QuickPickItem>();
  quickPick.title = `${title} (${step}/3)`;
  quickPick.placeholder = placeHolder;
  quickPick.ignoreFocusOut = true;
  quickPick.items = choices;
  quickPick.activeItems = choices.filter((c) => c.active);
  try {
    return await new Promise<Choice<T> | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0] ?? quickPick.activeItems[0]));
      quickPick.onDidHide(() => resolve(undefined));
      quickPick.show();
    });
  } finally {
    quickPick.dispose();
  }
}

const CANCELLED = Symbol('cancelled');

/**
 * One "pick a value" step (see valueChoices), and "Custom…" with a validated input box.
 */
async function pickValue<T extends string | number>(step: {
  title: string;
  step: number;
  question: string;
  choices: T[];
  current: T | undefined;
  order: (value: T) => number;
  choiceDescription: string | undefined;
  none: { label: string; description: string };
  custom: { description: string; prompt: string; validate: (value: string) => string | undefined; parse: (typed: string) => T };
}): Promise<T | undefined | typeof CANCELLED> {
  const picked = await pick(step.title, step.step, valueChoices(step), step.question);
  if (!picked) return CANCELLED;
  if (picked.value !== 'custom') return picked.value;
  const typed = await vscode.window.showInputBox({
    title: `${step.title} (${step.step}/3)`,
    prompt: step.custom.prompt,
    validateInput: step.custom.validate,
    ignoreFocusOut: true,
  });
  if (typed === undefined) return CANCELLED;
  return typed.trim() === '' ? undefined : step.custom.parse(typed);
}

/**
 * The three questions: backend, TTL, max entries. Undefined when the user cancels, or when
 * `confirmBackend` (asked right after the backend is picked) says no.
 */
export async function promptOptions(
  title: string,
  defaults: PromptDefaults,
  confirmBackend: (backend: string) => Promise<boolean> = async () => true,
): Promise<PickedOptions | undefined> {
  const backendItems = backendChoices({ ...defaults, configFileName: CONFIG_FILE_NAME });
  const backend = await pick(title, 1, backendItems, 'Where should the cached values live?');
  if (!backend || !(await confirmBackend(backend.value))) return undefined;

  const ttl = await pickValue({
    title, step: 2, question: 'How long may a cached value be served (time to live)?',
    choices: ['30s', '5m', '1h', '1d'], current: defaults.ttl, order: ttlOrder, choiceDescription: undefined,
    none: { label: 'No expiry', description: 'values stay until evicted or cleared' },
    custom: { description: 'type a duration', prompt: 'Time to live, e.g. 90s, 10m, 2h; empty for no expiry', validate: validateTtl, parse: (typed) => typed.replace(/\s+/g, '') },
  });
  if (ttl === CANCELLED) return undefined;
  const max = await pickValue({
    title, step: 3, question: 'How many entries may this function keep?',
    choices: [100, 1000, 10000], current: defaults.max, order: (n) => n, choiceDescription: 'entries',
    none: { label: 'Backend default', description: `no limit for this function: the backend's own "max" (in ${CONFIG_FILE_NAME}) applies` },
    custom: { description: 'type a number of entries', prompt: 'Maximum entries; empty for the backend default', validate: validateMax, parse: Number },
  });
  if (max === CANCELLED) return undefined;
  return { backend: backend.value, ttl, max };
}
