/**
 * What the quick pick of "Cache this function" accepts as typed values, without vscode so that
 * unit tests check it against the grammar every other part uses.
 */
import { DURATION_HINT, durationMs } from 'cachelens/units';

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
