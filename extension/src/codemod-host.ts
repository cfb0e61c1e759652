/**
 * Loads the codemod core (ts-morph, several MB) on first use only, in its own webpack chunk, so
 * activation stays fast.
 */
export type Codemod = typeof import('../codemod/src/index.js');

let loading: Promise<Codemod> | undefined;

export function loadCodemod(): Promise<Codemod> {
  loading ??= import(/* webpackChunkName: "codemod" */ '../codemod/src/index.js');
  return loading;
}
