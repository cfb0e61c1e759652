// @ts-check
'use strict';
/**
 * The one grammar of durations and byte sizes, for every part that reads them: the runtime
 * (options and cachelens.config.json), the codemod (`ttl` it writes), the extension (what the
 * quick pick and the `cachelens.defaultTtl` setting accept), the config file's JSON Schema and the
 * manifest (the same patterns, checked by test/unit/foundation/units-grammar.test.ts).
 * docs/configuration.md, "Durations and sizes", writes it out for other runtimes.
 *
 * It is plain JavaScript with a hand-written .d.ts, imported as `cachelens/units`, so that the
 * runtime (package self-reference), the separately published codemod (a peer dependency on
 * cachelens) and the bundled extension load the same file, from a source checkout without a build
 * as well as from the published package. It imports nothing.
 */

/** Spaces and tabs, allowed around the number and the unit. */
const SP = '[ \\t]*';

/**
 * A duration: a decimal number (digits, optionally `.` and digits) and an optional unit, or
 * nothing at all (blank: no value). Case-sensitive units; no sign, no exponent.
 */
const DURATION_PATTERN = `^${SP}(?:([0-9]+(?:\\.[0-9]+)?)${SP}(ms|s|m|h|d)?${SP})?$`;

/**
 * A size: a decimal number greater than 0 and an optional unit `B`, `KB`, `MB`, `GB`, `TB` or
 * `KiB`, `MiB`, `GiB`, `TiB` (any case; all powers of 1024), or nothing (blank: no value). The
 * number's two forms: an integer part with a digit other than 0, or a fraction with one.
 */
const SIZE_PATTERN = `^${SP}(?:([0-9]*[1-9][0-9]*(?:\\.[0-9]+)?|[0-9]+\\.[0-9]*[1-9][0-9]*)${SP}(([kKmMgGtT][iI]?)?[bB])?${SP})?$`;

/** Milliseconds per duration unit; a number without a unit is seconds. */
const DURATION_UNITS = Object.freeze({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 });

/** Bytes per size prefix (the unit's letters before `b`/`ib`, lower-cased); no prefix is bytes. */
const SIZE_UNITS = Object.freeze({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 });

/** What to write, for error messages. */
const DURATION_HINT = 'a number of seconds, or a number and a unit (ms, s, m, h, d) such as "500ms", "30s", "5m", "1.5h", "1d"';
const SIZE_HINT = 'a number of bytes > 0, or a number and a unit (B, KB, MB, GB, TB, or KiB, MiB, GiB, TiB; powers of 1024) such as "512KB", "1.5MB", "1GB"';

const durationRe = new RegExp(DURATION_PATTERN);
const sizeRe = new RegExp(SIZE_PATTERN);

/**
 * Milliseconds for a duration; `undefined` for no value (absent, blank) and for no expiry (`0`,
 * `Infinity`); or `{ problem }` saying what is wrong (the caller names the option).
 * Numbers are seconds (>= 0); strings follow DURATION_PATTERN.
 * @param {unknown} value
 * @returns {number | undefined | { problem: string }}
 */
function durationMs(value) {
  if (value === undefined || value === null) return undefined;
  let ms;
  if (typeof value === 'number') {
    if (Number.isNaN(value) || value < 0) return { problem: `must be ${DURATION_HINT}, got ${value}` };
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const m = durationRe.exec(value);
    if (m === null) return { problem: `must be ${DURATION_HINT}, got ${JSON.stringify(value)}` };
    if (m[1] === undefined) return undefined;
    ms = Number(m[1]) * DURATION_UNITS[/** @type {keyof typeof DURATION_UNITS} */ (m[2] ?? 's')];
  } else {
    return { problem: `must be ${DURATION_HINT}, got ${typeof value}` };
  }
  return ms === 0 || ms === Infinity ? undefined : ms;
}

/**
 * Bytes for a size; `undefined` for no value (absent, blank); or `{ problem }`. Numbers are bytes
 * (> 0); strings follow SIZE_PATTERN and are rounded down to whole bytes, at least 1.
 * @param {unknown} value
 * @returns {number | undefined | { problem: string }}
 */
function sizeBytes(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value) || value <= 0) return { problem: `must be ${SIZE_HINT}, got ${value}` };
    return value;
  }
  if (typeof value === 'string') {
    const m = sizeRe.exec(value);
    if (m === null) return { problem: `must be ${SIZE_HINT}, got ${JSON.stringify(value)}` };
    if (m[1] === undefined) return undefined;
    const prefix = /** @type {keyof typeof SIZE_UNITS} */ ((m[3] ?? '').slice(0, 1).toLowerCase());
    return Math.max(1, Math.floor(Number(m[1]) * SIZE_UNITS[prefix]));
  }
  return { problem: `must be ${SIZE_HINT}, got ${typeof value}` };
}

module.exports = { DURATION_PATTERN, SIZE_PATTERN, DURATION_UNITS, SIZE_UNITS, DURATION_HINT, SIZE_HINT, durationMs, sizeBytes };
