/**
 * `cachelens.config.json`: named backends and defaults, with `${VAR}` / `${VAR:-default}`
 * environment interpolation. Found through `CACHELENS_CONFIG` (a path, relative to the working
 * directory) or by looking from the working directory upwards. Read once per process, on the first
 * memoized call; an invalid file gives one `ConfigError` naming the file, the JSON path and what is
 * expected. The JSON Schema of the file is `cachelens/schema/cachelens.config.schema.json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BACKEND_TYPES, CONFIG_FILE_NAME } from 'cachelens/config-file';
import { ConfigError } from './errors.js';
import { BUILTIN_TYPES } from './backends.js';
import { POLICY_NAMES, isPolicyName } from './policy/index.js';
import { parseByteSize, parseDuration, type ByteSize, type Duration } from './units.js';
import { TraceRecorder, type TraceRecorderOptions } from './simulate/recorder.js';
import type { BackendConfig } from './stores/types.js';

/** The config file's name (`cachelens/config-file`, shared with the codemod and the extension). */
export { CONFIG_FILE_NAME };

/** `defaults`: options applied to every memoized function that does not set them itself. */
export interface ConfigDefaults {
  /** Backend name (a key of `backends`) or built-in type. Default `"memory"`. */
  backend?: string;
  ttl?: Duration;
  max?: number;
  maxBytes?: ByteSize;
  cacheErrors?: boolean;
  staleWhileRevalidate?: Duration;
  /** Record every function's lookups for "What if?": `true` or `{ maxEntries, sampleRate }` (see the `trace` option). Default off. */
  trace?: boolean | TraceRecorderOptions;
}

/** The parsed, validated and interpolated config. */
export interface CacheLensConfig {
  /** Absolute path of the file it came from; undefined when no file was found. */
  readonly file: string | undefined;
  readonly defaults: Readonly<ConfigDefaults>;
  readonly backends: Readonly<Record<string, BackendConfig>>;
}

const EMPTY: CacheLensConfig = Object.freeze({ file: undefined, defaults: Object.freeze({}), backends: Object.freeze({}) });

/** Where the config file is: `CACHELENS_CONFIG`, else the nearest `cachelens.config.json` upwards of `cwd`. */
export function findConfigFile(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.CACHELENS_CONFIG;
  if (named !== undefined && named !== '') return path.resolve(cwd, named);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Reads, interpolates and validates one config file.
 * @throws ConfigError naming the file, the JSON path and what is expected.
 */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): CacheLensConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, '$', `cannot be read (${(error as Error).message}); ` +
      'fix the path in CACHELENS_CONFIG or create the file', { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, '$', `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const data = interpolate(raw, '$', file, env);
  return validate(data, file);
}

let cached: { file: string | undefined; config?: CacheLensConfig; error?: unknown } | undefined;

/** The process's config (read once; `reloadConfig()` forgets it). Throws the same ConfigError on every call. */
export function getConfig(): CacheLensConfig {
  if (cached === undefined) {
    const file = findConfigFile();
    try {
      cached = { file, config: file === undefined ? EMPTY : loadConfigFile(file) };
    } catch (error) {
      cached = { file, error };
    }
  }
  if (cached.error !== undefined) throw cached.error;
  return cached.config!;
}

/**
 * Forgets the config read so far; the next memoized function created reads the file again.
 * Functions already created keep the options they resolved.
 */
export function reloadConfig(): void {
  cached = undefined;
}

/** `${NAME}` or `${NAME:-default}`; the default may hold anything but `}`. */
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/y;
const VAR_HELP = 'write ${NAME} or ${NAME:-default} (NAME: letters, digits and _, not starting with a digit); ' +
  'for a literal "${", put the whole value in an environment variable (its value is not interpolated)';

/**
 * Replaces every `${NAME}` / `${NAME:-default}` of one string. Any other `${` (unterminated, or
 * not a variable name) is a ConfigError: taken literally it once named a directory `${CACHE_DIR`.
 */
function interpolateString(value: string, at: string, file: string, env: NodeJS.ProcessEnv): string {
  let out = '';
  let from = 0;
  for (let start = value.indexOf('${'); start !== -1; start = value.indexOf('${', from)) {
    VAR.lastIndex = start;
    const m = VAR.exec(value);
    if (m === null) {
      const end = value.indexOf('}', start);
      const what = end === -1 ? `an unterminated "\${" (no closing "}") in ${JSON.stringify(value)}` : `"${value.slice(start, end + 1)}" in ${JSON.stringify(value)}, which is not a variable`;
      throw new ConfigError(file, at, `has ${what}; ${VAR_HELP}`);
    }
    const [, name, fallback] = m as unknown as [string, string, string | undefined];
    const v = env[name];
    let replacement: string;
    if (v !== undefined && v !== '') replacement = v;
    else if (fallback !== undefined) replacement = fallback;
    else if (v === '') replacement = '';
    else throw new ConfigError(file, at, `environment variable ${name} is not set; set it, or give a default: \${${name}:-value}`);
    out += value.slice(from, start) + replacement;
    from = VAR.lastIndex;
  }
  return out + value.slice(from);
}

function interpolate(value: unknown, at: string, file: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return interpolateString(value, at, file, env);
  if (Array.isArray(value)) return value.map((x, i) => interpolate(x, `${at}[${i}]`, file, env));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) out[k] = interpolate(x, jsonPath(at, k), file, env);
    return out;
  }
  return value;
}

/**
 * The fields that hold a plain number (a count, milliseconds, bytes), per backend type and for
 * `defaults`. Interpolation only makes strings, so `"max": "${MAX:-7}"` arrives as `"7"`: in these
 * fields, and only there, a string that is a decimal number (`NUMBER_STRING`) becomes that number
 * before anything checks it. Durations and sizes (`ttl`, `maxBytes`) take strings anyway.
 * `a.b` is a nested field, `a[]` every element of an array.
 */
const REMOTE_NUMBERS = ['commandTimeoutMs', 'generationRefreshMs', 'breaker.failureThreshold', 'breaker.openMs', 'compressAboveBytes', 'maxValueBytes'];
const REDIS_NUMBERS = [...REMOTE_NUMBERS, 'connectTimeoutMs', 'cluster[].port', 'sentinel.db', 'sentinel.sentinels[].port'];
export const NUMBER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  defaults: ['max', 'trace.maxEntries', 'trace.sampleRate'],
  memory: ['max'],
  lru: ['max'],
  redis: REDIS_NUMBERS,
  memcached: REMOTE_NUMBERS,
  disk: ['busyTimeoutMs', 'compressAboveBytes', 'maxValueBytes'],
  tiered: [...REDIS_NUMBERS, 'l1.max', 'l1.maxBytes', 'l1.ttlMs'],
};

/** A number >= 0 as a string: ASCII digits, an optional fraction, optional spaces or tabs around (every numeric field is >= 0). */
export const NUMBER_STRING = /^[ \t]*[0-9]+(?:\.[0-9]+)?[ \t]*$/;

/** Turns the numeric strings of `fields` (see NUMBER_FIELDS) in `o` into numbers, in place. */
function numbersFromStrings(o: Record<string, unknown>, fields: readonly string[], at: string, file: string): void {
  const visit = (holder: unknown, steps: string[], where: string): void => {
    if (!isObject(holder)) return;
    const [step, ...rest] = steps as [string, ...string[]];
    const each = step.endsWith('[]');
    const key = each ? step.slice(0, -2) : step;
    if (!Object.hasOwn(holder, key)) return;
    const here = jsonPath(where, key);
    if (each) {
      const list = holder[key];
      if (Array.isArray(list)) list.forEach((x, i) => visit(x, rest, `${here}[${i}]`));
      return;
    }
    if (rest.length > 0) return visit(holder[key], rest, here);
    const v = holder[key];
    if (typeof v !== 'string') return;
    if (!NUMBER_STRING.test(v)) {
      throw new ConfigError(file, here, `expected a number, got ${describe(v)}; write a number (500), or a string that holds only one after interpolation ("\${VAR:-500}")`);
    }
    holder[key] = Number(v);
  };
  for (const field of fields) visit(o, field.split('.'), at);
}

function jsonPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v) : `${typeof v} ${String(v)}`;
}

/** Shared option checks of `defaults` and of in-memory backend entries. */
function checkCommon(o: Record<string, unknown>, at: string, file: string): void {
  if (o.ttl !== undefined) {
    const r = parseDuration(o.ttl);
    if (typeof r === 'object') throw new ConfigError(file, `${at}.ttl`, `is not a duration string or seconds: it ${r.problem}`);
  }
  if (o.staleWhileRevalidate !== undefined) {
    const r = parseDuration(o.staleWhileRevalidate);
    if (typeof r === 'object') throw new ConfigError(file, `${at}.staleWhileRevalidate`, `is not a duration string or seconds: it ${r.problem}`);
  }
  if (o.max !== undefined && !(typeof o.max === 'number' && Number.isInteger(o.max) && o.max >= 1)) {
    throw new ConfigError(file, `${at}.max`, `expected an integer >= 1 (entries), got ${describe(o.max)}`);
  }
  if (o.maxBytes !== undefined) {
    const r = parseByteSize(o.maxBytes);
    if (typeof r === 'object') throw new ConfigError(file, `${at}.maxBytes`, `is not a size string or bytes: it ${r.problem}`);
  }
}

const MEMORY_KEYS = ['type', 'max', 'maxBytes', 'ttl', 'policy'];
const LRU_KEYS = ['type', 'max', 'maxBytes', 'ttl'];
const DEFAULT_KEYS = new Set(['backend', 'ttl', 'max', 'maxBytes', 'cacheErrors', 'staleWhileRevalidate', 'trace']);

function checkTrace(trace: unknown, file: string): void {
  const at = '$.defaults.trace';
  if (!isObject(trace)) throw new ConfigError(file, at, `expected true, false or { "maxEntries": N, "sampleRate": R }, got ${describe(trace)}`);
  for (const k of Object.keys(trace)) {
    if (k !== 'maxEntries' && k !== 'sampleRate') throw new ConfigError(file, jsonPath(at, k), 'unknown property; expected maxEntries (lookups kept) and sampleRate (fraction of keys, in (0, 1])');
  }
  try {
    new TraceRecorder(trace as TraceRecorderOptions);
  } catch (error) {
    const name = /sampleRate/.test((error as Error).message) ? 'sampleRate' : 'maxEntries';
    throw new ConfigError(file, `${at}.${name}`, (error as Error).message.replace(/^trace recorder: /, ''));
  }
}

function validate(data: unknown, file: string): CacheLensConfig {
  if (!isObject(data)) throw new ConfigError(file, '$', `expected an object { "defaults": {...}, "backends": {...} }, got ${describe(data)}`);
  for (const k of Object.keys(data)) {
    if (k !== 'defaults' && k !== 'backends' && k !== '$schema') {
      throw new ConfigError(file, jsonPath('$', k), 'unknown property; expected only "defaults", "backends" and "$schema"');
    }
  }
  const backends: Record<string, BackendConfig> = {};
  if (data.backends !== undefined) {
    if (!isObject(data.backends)) throw new ConfigError(file, '$.backends', `expected an object of named backends, got ${describe(data.backends)}`);
    for (const [name, entry] of Object.entries(data.backends)) {
      const at = jsonPath('$.backends', name);
      if (!isObject(entry)) throw new ConfigError(file, at, `expected an object like { "type": "memory" }, got ${describe(entry)}`);
      if (typeof entry.type !== 'string' || entry.type === '') {
        throw new ConfigError(file, `${at}.type`, `expected a backend type string (${BACKEND_TYPES.map((t) => `"${t}"`).join(', ')}), got ${entry.type === undefined ? 'nothing' : describe(entry.type)}`);
      }
      if (Object.hasOwn(NUMBER_FIELDS, entry.type)) numbersFromStrings(entry, NUMBER_FIELDS[entry.type]!, at, file);
      if (BUILTIN_TYPES.includes(entry.type)) {
        const allowed = entry.type === 'memory' ? MEMORY_KEYS : LRU_KEYS;
        for (const k of Object.keys(entry)) {
          if (!allowed.includes(k)) throw new ConfigError(file, jsonPath(at, k), `unknown option of a "${entry.type}" backend; expected ${allowed.join(', ')}`);
        }
        checkCommon(entry, at, file);
        if (entry.type === 'memory' && entry.policy !== undefined && !(typeof entry.policy === 'string' && isPolicyName(entry.policy))) {
          throw new ConfigError(file, `${at}.policy`, `expected one of ${POLICY_NAMES.map((n) => `"${n}"`).join(', ')}, got ${describe(entry.policy)}`);
        }
      }
      backends[name] = Object.freeze({ ...entry, type: entry.type });
    }
  }
  const defaults: ConfigDefaults = {};
  if (data.defaults !== undefined) {
    const d = data.defaults;
    if (!isObject(d)) throw new ConfigError(file, '$.defaults', `expected an object, got ${describe(d)}`);
    for (const k of Object.keys(d)) {
      if (!DEFAULT_KEYS.has(k)) throw new ConfigError(file, jsonPath('$.defaults', k), `unknown property; expected one of ${[...DEFAULT_KEYS].join(', ')}`);
    }
    numbersFromStrings(d, NUMBER_FIELDS.defaults!, '$.defaults', file);
    checkCommon(d, '$.defaults', file);
    if (d.backend !== undefined) {
      if (typeof d.backend !== 'string') throw new ConfigError(file, '$.defaults.backend', `expected a backend name, got ${describe(d.backend)}`);
      if (!Object.hasOwn(backends, d.backend) && !BUILTIN_TYPES.includes(d.backend)) {
        throw new ConfigError(file, '$.defaults.backend', `"${d.backend}" is neither a key of "backends" (${Object.keys(backends).join(', ') || 'none'}) nor a built-in type (${BUILTIN_TYPES.join(', ')})`);
      }
    }
    if (d.cacheErrors !== undefined && typeof d.cacheErrors !== 'boolean') {
      throw new ConfigError(file, '$.defaults.cacheErrors', `expected true or false, got ${describe(d.cacheErrors)}`);
    }
    if (d.trace !== undefined && typeof d.trace !== 'boolean') checkTrace(d.trace, file);
    Object.assign(defaults, d);
  }
  return Object.freeze({ file, defaults: Object.freeze(defaults), backends: Object.freeze(backends) });
}
