/**
 * Reading a backend's options from its config entry. Values may arrive as strings after
 * environment interpolation (`"commandTimeoutMs": "${REDIS_TIMEOUT_MS:-500}"`), so numbers are
 * accepted in either form (config.ts's NUMBER_STRING); byte sizes as the shared grammar has them.
 */
import { NUMBER_STRING } from '../../config.js';
import { MAX_TIMER_MS } from '../../limits.js';
import { parseByteSize } from '../../units.js';
import { BackendConfigError } from './errors.js';

/** A number of milliseconds >= `min` (number or numeric string), or `fallback` when absent. */
export function msOption(backend: string, config: Record<string, unknown>, option: string, fallback: number, min: number): number {
  const raw = config[option] ?? fallback;
  // The config file's rule for numbers in strings (config.ts converts them before a store sees
  // them); the same here for entries built in code.
  const value = typeof raw === 'string' && NUMBER_STRING.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (min > 0 && value === 0)) {
    throw new BackendConfigError(backend, option, `must be a number of milliseconds >= ${min}, got ${JSON.stringify(raw)}.`);
  }
  // Every such option is a timer's delay somewhere: past 2^31 - 1 ms a timer fires at once.
  if (value > MAX_TIMER_MS) throw new BackendConfigError(backend, option, `must be at most ${MAX_TIMER_MS} ms (24.8 days), got ${JSON.stringify(raw)}.`);
  return value;
}

/** A byte size > 0 (`1073741824`, `"1GB"`, `"512MB"`), or `fallback` when absent. */
export function bytesOption(backend: string, config: Record<string, unknown>, option: string, fallback: number): number {
  const parsed = parseByteSize(config[option] ?? fallback);
  if (typeof parsed !== 'number') {
    throw new BackendConfigError(backend, option, `must be a byte size such as 1073741824 or "1GB"${parsed ? ` (${parsed.problem})` : ''}, got ${JSON.stringify(config[option])}.`);
  }
  return parsed;
}
