/**
 * The runtime's warnings about how it is used (unbounded caches, a throwing `cacheIf`, a shared
 * id, ...): one function, so every warning goes out the same way (`CacheLensWarning`, a code the
 * app can filter on), and a change to how they are said is made in one place.
 */

/** `code \0 subject` of every warning emitted so far in this process. */
const warned = new Set<string>();

/**
 * Emits a `CacheLensWarning` the first time `code` is met for `subject` in this process, never
 * again: the subject is the function id for warnings about one function, `''` for warnings
 * about the process (docs/configuration.md says which). The message is built only the first time.
 */
export function warnOnce(code: string, subject: string, message: () => string): void {
  const seen = `${code}\u0000${subject}`;
  if (warned.has(seen)) return;
  warned.add(seen);
  process.emitWarning(message(), { type: 'CacheLensWarning', code });
}
