import * as vscode from 'vscode';
import { CONFIG_FILE_NAME } from 'cachelens/config-file';
import { BUILTIN_BACKENDS, validateMax, validateTtl } from './option-values.js';

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

type Item<T> = vscode.QuickPickItem & { value: T };

async function pick<T>(title: string, step: number, items: Item<T>[], placeHolder: string): Promise<Item<T> | undefined> {
  return vscode.window.showQuickPick(items, { title: `${title} (${step}/3)`, placeHolder, ignoreFocusOut: true });
}

const CANCELLED = Symbol('cancelled');

/**
 * One "pick a value" step: the suggested choices (plus the current value when it is not one of
 * them), a "none" entry (undefined), and "Custom…" with a validated input box. The current value
 * is listed first and marked "default".
 */
async function pickValue<T extends string | number>(step: {
  title: string;
  step: number;
  question: string;
  choices: T[];
  current: T | undefined;
  choiceDescription: string | undefined;
  none: { label: string; description: string | undefined };
  custom: { description: string; prompt: string; validate: (value: string) => string | undefined; parse: (typed: string) => T };
}): Promise<T | undefined | typeof CANCELLED> {
  const { current } = step;
  const items: Item<T | undefined | 'custom'>[] = [
    ...(current !== undefined && current !== '' && !step.choices.includes(current) ? [current] : []),
    ...step.choices,
  ].map((value) => ({ label: String(value), description: value === current ? 'default' : step.choiceDescription, value }));
  items.push({ label: step.none.label, description: current === undefined ? 'default' : step.none.description, value: undefined });
  items.push({ label: 'Custom…', description: step.custom.description, value: 'custom' });
  items.sort((a, b) => Number(b.description === 'default') - Number(a.description === 'default'));
  const picked = await pick(step.title, step.step, items, step.question);
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
  const backendItems: Item<string>[] = [];
  for (const { name, type } of defaults.named) {
    backendItems.push({ label: name, description: `${type} · from ${CONFIG_FILE_NAME}`, value: name });
  }
  for (const { type, description } of BUILTIN_BACKENDS) {
    if (!defaults.named.some((n) => n.name === type)) backendItems.push({ label: type, description, value: type });
  }
  for (const item of backendItems) {
    if (defaults.makesPromises(item.value)) item.description += ' · makes this synchronous function return Promises';
  }
  backendItems.sort((a, b) => Number(b.value === defaults.backend) - Number(a.value === defaults.backend));
  if (backendItems[0]?.value === defaults.backend) backendItems[0].detail = 'default';
  const backend = await pick(title, 1, backendItems, 'Where should the cached values live?');
  if (!backend || !(await confirmBackend(backend.value))) return undefined;

  const ttl = await pickValue({
    title, step: 2, question: 'How long may a cached value be served (time to live)?',
    choices: ['30s', '5m', '1h', '1d'], current: defaults.ttl, choiceDescription: undefined,
    none: { label: 'No expiry', description: 'values stay until evicted or cleared' },
    custom: { description: 'type a duration', prompt: 'Time to live, e.g. 90s, 10m, 2h; empty for no expiry', validate: validateTtl, parse: (typed) => typed.replace(/\s+/g, '') },
  });
  if (ttl === CANCELLED) return undefined;
  const max = await pickValue({
    title, step: 3, question: 'How many entries may this function keep?',
    choices: [100, 1000, 10000], current: defaults.max, choiceDescription: 'entries',
    none: { label: 'Backend default', description: undefined },
    custom: { description: 'type a number of entries', prompt: 'Maximum entries; empty for the backend default', validate: validateMax, parse: Number },
  });
  if (max === CANCELLED) return undefined;
  return { backend: backend.value, ttl, max };
}
