/**
 * The runtime's warnings about how it is used (unbounded caches, a throwing `cacheIf`, a shared
 * id, ...): one function, so every warning goes out the same way (`CacheLensWarning`, a code the
 * app can filter on), and a change to how they are said is made in one place.
 */

export function warnOnce(code: string, message: string): void {
  process.emitWarning(message, { type: 'CacheLensWarning', code });
}
