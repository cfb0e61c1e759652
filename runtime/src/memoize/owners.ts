/**
 * What `cacheOf` finds for a memoized function or method (its `Owner`), and what keeps a registry
 * entry alive exactly as long as the memoized function: weak maps keyed by the function returned
 * to the user, written by `memoize` and by the decorators, read by `cacheOf`.
 */
import type { MemoizedInfo } from '../registry.js';
import type { Cell, Fn } from './cell.js';
import type { Memo } from './memo.js';

/** What `cacheOf` finds for a memoized function. */
export interface Owner {
  readonly memo: Memo;
  /** The cell of `self` (the function's only cell, or an instance's cell for methods). */
  cellFor(self: unknown): Cell;
  /** `this` used when `cacheOf` gets no instance (static methods: the class). */
  defaultThis(): unknown;
  readonly isMethod: boolean;
}

export const owners = new WeakMap<object, Owner>();

/**
 * Gives `target` the `name` and `length` of `source`, where it does not have them already (a
 * compiled call path is made with them: redefining either turns the function's properties into a
 * dictionary, ~430 bytes).
 */
export function copyShape(target: Fn, source: Fn): void {
  if (target.name !== source.name) Object.defineProperty(target, 'name', { value: source.name, configurable: true });
  if (target.length !== source.length) Object.defineProperty(target, 'length', { value: source.length, configurable: true });
}

/** For decorated methods (a memoized function's `owners` entry already holds its memo, and so its info). */
export const infoKeepAlive = new WeakMap<object, MemoizedInfo>();
