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
