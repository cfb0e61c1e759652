/**
 * The project's own lint rules, run from tests: a source text linted as if it stood at a path of
 * the repository, with the repository's ESLint config (the foundation tests of the import
 * boundaries, the settings module and the runtime's direct imports).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { ROOT } from './paths';

let eslint: ESLint | undefined;

/** The messages rule `rule` reports for `source` linted as `file` (relative to the repository root). */
export async function ruleMessages(rule: string, file: string, source: string): Promise<Linter.LintMessage[]> {
  const [result] = await (eslint ??= new ESLint({ cwd: ROOT })).lintText(source, { filePath: path.join(ROOT, file) });
  assert.ok(result, `ESLint linted ${file}`);
  return result.messages.filter((m) => m.ruleId === rule);
}

/** The TypeScript sources under `dir` (relative to the repository root), as repository paths. */
export function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`);
}
