/**
 * The one grammar of durations and byte sizes (`cachelens/units`); see units.js and
 * docs/configuration.md, "Durations and sizes".
 */

/** JSON Schema / ECMAScript pattern of a duration string (blank allowed: no value). */
export declare const DURATION_PATTERN: string;
/** JSON Schema / ECMAScript pattern of a size string (blank allowed: no value; 0 refused). */
export declare const SIZE_PATTERN: string;
/** Milliseconds per duration unit; a number without a unit is seconds. */
export declare const DURATION_UNITS: Readonly<{ ms: 1; s: 1000; m: 60000; h: 3600000; d: 86400000 }>;
/** Bytes per size prefix (`''`, `k`, `m`, `g`, `t`), powers of 1024. */
export declare const SIZE_UNITS: Readonly<{ '': 1; k: number; m: number; g: number; t: number }>;
/** What to write, for error messages. */
export declare const DURATION_HINT: string;
export declare const SIZE_HINT: string;
/**
 * Milliseconds for a duration (numbers are seconds >= 0); `undefined` for no value and for no
 * expiry (`0`, `Infinity`, blank); or `{ problem }` saying what is wrong.
 */
export declare function durationMs(value: unknown): number | undefined | { problem: string };
/** Bytes for a size (numbers are bytes > 0); `undefined` for no value (blank); or `{ problem }`. */
export declare function sizeBytes(value: unknown): number | undefined | { problem: string };
