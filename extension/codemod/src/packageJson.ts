import { ts } from 'ts-morph';
import { PACKAGE } from './imports.js';
import { getProperty, insertProperty, parseJsonc, propertyKeys } from './jsonc.js';
import { refuse, type Refusal, type TextEdit } from './types.js';

/** Adds `"cachelens": "^<version>"` to `dependencies` (in sorted position) when no dependency section names it. */
export function planPackageJson(packageJson: { readonly text: string } | undefined, runtimeVersion: string): TextEdit[] | undefined | Refusal {
  if (packageJson === undefined) return undefined;
  const doc = parseJsonc(packageJson.text, 'package.json');
  if (doc.error !== undefined || !doc.root) {
    return refuse('invalid-package-json', `package.json cannot be read (${doc.error ?? 'no object'}): fix it, then run the command again`);
  }
  const range = `^${runtimeVersion}`;
  for (const section of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const value = getProperty(doc.root, section)?.initializer;
    if (value && ts.isObjectLiteralExpression(value) && propertyKeys(value).includes(PACKAGE)) return undefined;
  }
  const dependencies = getProperty(doc.root, 'dependencies')?.initializer;
  if (dependencies && !ts.isObjectLiteralExpression(dependencies)) {
    return refuse('invalid-package-json', 'package.json "dependencies" is not an object: fix it, then run the command again');
  }
  if (!dependencies) {
    return insertProperty(doc, doc.root, 'dependencies', `{\n${doc.unit}${JSON.stringify(PACKAGE)}: ${JSON.stringify(range)}\n}`);
  }
  const next = propertyKeys(dependencies).find((key) => key > PACKAGE);
  return insertProperty(doc, dependencies, PACKAGE, JSON.stringify(range), next);
}
