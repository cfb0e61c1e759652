/**
 * CacheLens runtime: the library applications import.
 * @packageDocumentation
 */
export const VERSION = '0.1.0';
