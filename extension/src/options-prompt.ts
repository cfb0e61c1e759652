import * as vscode from 'vscode';

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
  /** Backends named in cachelens.config.json. */
  named: { name: string; type: string }[];
}

/** The built-in backend types, with the one-line description the quick pick shows. */
export const BUILTIN_BACKENDS: readonly { type: string; description: string }[] = [
  { type: 'memory', description: 'In this process; bounded, adaptive eviction. No server needed.' },
  { type: 'lru', description: 'In this process; plain LRU (lru-cache).' },
  { type: 'disk', description: 'On this machine (SQLite); survives restarts, shared by local processes.' },
  { type: 'redis', description: 'Shared by every process and replica (Redis); needs REDIS_URL or a url.' },
  { type: 'memcached', description: 'Shared by every process and replica (Memcached).' },
];

const DURATION = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/;

/** Validates a TTL typed by the user; undefined = valid. */
export function validateTtl(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  return DURATION.test(value) ? undefined : 'A duration like 30s, 5m, 1h or 1d (units: ms, s, m, h, d), or empty for no expiry.';
}

/** Validates a max-entries value typed by the user; undefined = valid. */
export function validateMax(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? undefined : 'A whole number of entries, 1 or more, or empty for the backend default.';
}

type Item<T> = vscode.QuickPickItem & { value: T };

async function pick<T>(title: string, step: number, items: Item<T>[], placeHolder: string): Promise<Item<T> | undefined> {
  return vscode.window.showQuickPick(items, { title: `${title} (${step}/3)`, placeHolder, ignoreFocusOut: true });
}

/** The three questions: backend, TTL, max entries. Undefined when the user cancels. */
export async function promptOptions(title: string, defaults: PromptDefaults): Promise<PickedOptions | undefined> {
  const backendItems: Item<string>[] = [];
  for (const { name, type } of defaults.named) {
    backendItems.push({ label: name, description: `${type} · from cachelens.config.json`, value: name });
  }
  for (const { type, description } of BUILTIN_BACKENDS) {
    if (!defaults.named.some((n) => n.name === type)) backendItems.push({ label: type, description, value: type });
  }
  backendItems.sort((a, b) => Number(b.value === defaults.backend) - Number(a.value === defaults.backend));
  if (backendItems[0]?.value === defaults.backend) backendItems[0].detail = 'default';
  const backend = await pick(title, 1, backendItems, 'Where should the cached values live?');
  if (!backend) return undefined;

  const ttlChoices = ['30s', '5m', '1h', '1d'];
  const ttlItems: Item<string | undefined | 'custom'>[] = [
    ...(defaults.ttl && !ttlChoices.includes(defaults.ttl) ? [defaults.ttl] : []),
    ...ttlChoices,
  ].map((ttl) => ({ label: ttl, description: ttl === defaults.ttl ? 'default' : undefined, value: ttl }));
  ttlItems.push({ label: 'No expiry', description: defaults.ttl === undefined ? 'default' : 'values stay until evicted or cleared', value: undefined });
  ttlItems.push({ label: 'Custom…', description: 'type a duration', value: 'custom' });
  ttlItems.sort((a, b) => Number(b.description === 'default') - Number(a.description === 'default'));
  const ttlPick = await pick(title, 2, ttlItems, 'How long may a cached value be served (time to live)?');
  if (!ttlPick) return undefined;
  let ttl = ttlPick.value;
  if (ttl === 'custom') {
    const typed = await vscode.window.showInputBox({
      title: `${title} (2/3)`,
      prompt: 'Time to live, e.g. 90s, 10m, 2h; empty for no expiry',
      validateInput: validateTtl,
      ignoreFocusOut: true,
    });
    if (typed === undefined) return undefined;
    ttl = typed.trim() === '' ? undefined : typed.replace(/\s+/g, '');
  }

  const maxChoices = [100, 1000, 10000];
  const maxItems: Item<number | undefined | 'custom'>[] = [
    ...(defaults.max !== undefined && !maxChoices.includes(defaults.max) ? [defaults.max] : []),
    ...maxChoices,
  ].map((max) => ({ label: String(max), description: max === defaults.max ? 'default' : 'entries', value: max }));
  maxItems.push({ label: 'Backend default', description: defaults.max === undefined ? 'default' : undefined, value: undefined });
  maxItems.push({ label: 'Custom…', description: 'type a number of entries', value: 'custom' });
  maxItems.sort((a, b) => Number(b.description === 'default') - Number(a.description === 'default'));
  const maxPick = await pick(title, 3, maxItems, 'How many entries may this function keep?');
  if (!maxPick) return undefined;
  let max = maxPick.value;
  if (max === 'custom') {
    const typed = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: 'Maximum entries; empty for the backend default',
      validateInput: validateMax,
      ignoreFocusOut: true,
    });
    if (typed === undefined) return undefined;
    max = typed.trim() === '' ? undefined : Number(typed);
  }
  return { backend: backend.value, ttl, max };
}
