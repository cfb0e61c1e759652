import { ts } from 'ts-morph';
import { BACKEND_DRIVERS } from './backends.js';
import { applyEdits } from './edits.js';
import { PACKAGE } from './imports.js';
import { getProperty, insertProperty, parseJsonc, propertyKeys } from './jsonc.js';
import { refuse, type Refusal, type RuntimeSource, type TextEdit } from './types.js';

const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/** App-relative path of the vendored runtime tarball, `vendor/cachelens-<version>.tgz` (posix separators). */
export function vendoredRuntimePath(runtimeVersion: string): string {
  return `vendor/${PACKAGE}-${runtimeVersion}.tgz`;
}

/** The spec written for the runtime: a `file:` spec of the vendored tarball, or `^<version>` from the registry. */
export function runtimeSpec(runtimeVersion: string, source: RuntimeSource): string {
  return source === 'vendor' ? `file:${vendoredRuntimePath(runtimeVersion)}` : `^${runtimeVersion}`;
}

/** What planPackageJson changes: the edits, the packages added, and the tarball to copy into the app. */
export interface PackageJsonPlan {
  readonly edits: TextEdit[];
  /** Names of the dependencies added (`cachelens`, a backend's driver), for the install offer. */
  readonly added: string[];
  /** App-relative path where the runtime's tarball must be copied (present when package.json depends on it there). */
  readonly runtimeTarball?: string;
}

/** One replacement covering every difference between `before` and `after` (edits computed one after another). */
function singleEdit(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return [{ start, end: before.length - end, newText: after.slice(start, after.length - end) }];
}

/**
 * Dependencies an app needs to run what the codemod wrote: the runtime (`cachelens`) and, for a
 * backend that loads a driver (disk, Redis, Memcached), that driver, each added to `dependencies` in
 * sorted position when no dependency section names it yet. With `source: 'vendor'` the runtime is
 * `file:vendor/cachelens-<version>.tgz` (the caller copies the tarball there), so a fresh clone
 * installs with `npm ci` without a registry that has the runtime. A dependency that is declared
 * already is kept, except the runtime as `^<version>` (what earlier versions wrote, which no
 * registry has) when it does not resolve from the app (`runtimeResolves`: an npm workspace's own
 * runtime does): that becomes the vendored tarball too.
 */
export function planPackageJson(
  packageJson: { readonly text: string } | undefined,
  runtimeVersion: string,
  source: RuntimeSource,
  backendType: string | undefined,
  runtimeResolves: boolean,
): PackageJsonPlan | undefined | Refusal {
  if (packageJson === undefined) return undefined;
  const invalid = (why: string): Refusal => refuse('invalid-package-json', `package.json ${why}: fix it, then run the command again`);
  const first = parseJsonc(packageJson.text, 'package.json');
  if (first.error !== undefined || !first.root) return invalid(`cannot be read (${first.error ?? 'no object'})`);
  const dependencies = getProperty(first.root, 'dependencies')?.initializer;
  if (dependencies && !ts.isObjectLiteralExpression(dependencies)) return invalid('"dependencies" is not an object');

  const spec = runtimeSpec(runtimeVersion, source);
  const driver = backendType === undefined ? undefined : BACKEND_DRIVERS[backendType];
  const wanted = [{ name: PACKAGE, range: spec }, ...(driver ? [{ name: driver.name, range: driver.range }] : [])];
  let text = packageJson.text;
  const added: string[] = [];
  let runtimeTarball: string | undefined;
  for (const { name, range } of wanted) {
    const doc = parseJsonc(text, 'package.json');
    const root = doc.root!;
    const declared = SECTIONS.map((section) => getProperty(root, section)?.initializer)
      .filter((value): value is ts.ObjectLiteralExpression => value !== undefined && ts.isObjectLiteralExpression(value))
      .map((section) => getProperty(section, name))
      .find((property) => property !== undefined);
    if (declared) {
      // "^<version>" (what earlier versions wrote) has no package behind it on any registry: unless it
      // resolves here anyway (the npm workspace's own runtime), point it at the vendored tarball.
      // Any other spec is the user's and is kept.
      const value = declared.initializer;
      if (name === PACKAGE && source === 'vendor' && !runtimeResolves && ts.isStringLiteral(value) && value.text === `^${runtimeVersion}`) {
        text = applyEdits(text, [{ start: value.getStart(doc.file), end: value.end, newText: JSON.stringify(spec) }]);
        runtimeTarball = vendoredRuntimePath(runtimeVersion);
      }
      continue;
    }
    const section = getProperty(root, 'dependencies')?.initializer as ts.ObjectLiteralExpression | undefined;
    const edits = section
      ? insertProperty(doc, section, name, JSON.stringify(range), propertyKeys(section).find((key) => key > name))
      : insertProperty(doc, root, 'dependencies', `{\n${doc.unit}${JSON.stringify(name)}: ${JSON.stringify(range)}\n}`);
    text = applyEdits(text, edits);
    added.push(name);
    if (name === PACKAGE && source === 'vendor') runtimeTarball = vendoredRuntimePath(runtimeVersion);
  }
  const edits = singleEdit(packageJson.text, text);
  if (edits.length === 0) return undefined;
  return { edits, added, ...(runtimeTarball !== undefined ? { runtimeTarball } : {}) };
}
