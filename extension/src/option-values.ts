/**
 * What the quick pick of "Cache this function" accepts as typed values, without vscode so that
 * unit tests check it against the grammar every other part uses.
 */
import { DURATION_HINT, durationMs } from 'cachelens/units';
import { BUILT_IN_BACKENDS, type BuiltInBackend } from '../codemod/src/backends.js';

/** The one-line description the quick pick shows for each built-in type the codemod can declare (a missing one is a compile error). */
const BACKEND_DESCRIPTIONS: Readonly<Record<BuiltInBackend, string>> = {
  memory: 'In this process; bounded, adaptive eviction. No server needed.',
  lru: 'In this process; plain LRU (lru-cache).',
  disk: 'On this machine (SQLite); survives restarts, shared by local processes.',
  redis: 'Shared by every process and replica (Redis); needs REDIS_URL or a url.',
  memcached: 'Shared by every process and replica (Memcached).',
};

/** The built-in backend types the quick pick offers (those the codemod can declare), in their order, with their descriptions. */
export const BUILTIN_BACKENDS: readonly { type: BuiltInBackend; description: string }[] = (Object.keys(BUILT_IN_BACKENDS) as BuiltInBackend[]).map(
  (type) => ({ type, description: BACKEND_DESCRIPTIONS[type] }),
);

/** Validates a TTL typed by the user (the grammar of `cachelens/units`; empty: no expiry); undefined = valid. */
export function validateTtl(value: string): string | undefined {
  return typeof durationMs(value) === 'object' ? `Write ${DURATION_HINT}, or nothing for no expiry.` : undefined;
}

/** Validates a max-entries value typed by the user; undefined = valid. */
export function validateMax(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? undefined : 'A whole number of entries, 1 or more, or empty for the backend default.';
}

/** One entry of a quick pick step, without vscode: label, description (same line), detail (own line, never cut off). */
export interface Choice<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
  /** The preselected entry (the current or default value). */
  active: boolean;
}

/**
 * The backends offered, in a fixed order (the config's named backends, then the built-in types),
 * the current one preselected and marked. A backend that would make a synchronous function return
 * Promises says so on its own line (a description that long is cut off with "...").
 */
export function backendChoices(defaults: {
  backend: string;
  named: readonly { name: string; type: string }[];
  makesPromises: (backend: string) => boolean;
  configFileName: string;
}): Choice<string>[] {
  const choices: Choice<string>[] = [
    ...defaults.named.map(({ name, type }) => ({ label: name, description: `${type} · from ${defaults.configFileName}`, value: name, active: false })),
    ...BUILTIN_BACKENDS.filter(({ type }) => !defaults.named.some((n) => n.name === type)).map(({ type, description }) => ({ label: type, description, value: type, active: false })),
  ];
  for (const choice of choices) {
    choice.active = choice.value === defaults.backend;
    if (choice.active) choice.description = `default · ${choice.description}`;
    if (defaults.makesPromises(choice.value)) {
      choice.detail = '$(warning) This function is not async: with this backend every call returns a Promise, and its callers must await it.';
    }
  }
  return choices;
}

/**
 * The entries of a "pick a value" step: the suggested values and the current one (when it is not
 * among them) in ascending order, `order` giving each value's rank; then "none" and "Custom…". The
 * current value is preselected and marked "default" where it stands, so the list stays in order.
 */
export function valueChoices<T extends string | number>(step: {
  choices: readonly T[];
  current: T | undefined;
  order: (value: T) => number;
  choiceDescription: string | undefined;
  none: { label: string; description: string };
  custom: { description: string };
}): Choice<T | undefined | 'custom'>[] {
  const { current } = step;
  const values = [...step.choices];
  if (current !== undefined && current !== '' && !values.includes(current)) values.push(current);
  values.sort((a, b) => step.order(a) - step.order(b));
  const mark = (active: boolean, description: string | undefined) => (active ? (description ? `default · ${description}` : 'default') : description);
  return [
    ...values.map((value) => ({ label: String(value), description: mark(value === current, step.choiceDescription), value, active: value === current })),
    { label: step.none.label, description: mark(current === undefined, step.none.description), value: undefined, active: current === undefined },
    { label: 'Custom…', description: step.custom.description, value: 'custom' as const, active: false },
  ];
}

/** Rank of a TTL choice: its milliseconds (unparsable values last). */
export function ttlOrder(value: string): number {
  const ms = durationMs(value);
  return typeof ms === 'number' ? ms : Number.MAX_SAFE_INTEGER;
}
