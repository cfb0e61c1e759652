/**
 * How a Python app gets the runtime: no package index serves `cachelens` yet, so the wheel shipped
 * with the extension is copied into the app (`vendor/cachelens-<version>-py3-none-any.whl`) and its
 * path added to requirements.txt, which pip reads relative to where it runs (the app root). Pure
 * functions over text; the caller reads the files and copies the wheel.
 */
import * as path from 'node:path';
import type { TextEdit } from '../types.js';

/** Files that mark a Python app's root, the folder where cachelens.config.json goes. */
export const PYTHON_APP_MARKERS = ['pyproject.toml', 'requirements.txt', 'setup.cfg'] as const;

/** App-relative posix path of the vendored wheel: `vendor/cachelens-0.1.0-py3-none-any.whl`. */
export function vendoredWheelPath(version: string): string {
  return `vendor/cachelens-${version}-py3-none-any.whl`;
}

/**
 * The Python app root of a file: the nearest folder at or above `startDir` (an absolute path)
 * holding one of PYTHON_APP_MARKERS, checked with `isFile(path)`; undefined when there is none up
 * to `stopAt` (inclusive) or the file system's root.
 */
export function pythonAppRoot(startDir: string, isFile: (file: string) => boolean, stopAt?: string): string | undefined {
  let dir = path.normalize(startDir);
  for (;;) {
    if (PYTHON_APP_MARKERS.some((marker) => isFile(path.join(dir, marker)))) return dir;
    const parent = path.dirname(dir);
    if (dir === stopAt || parent === dir) return undefined;
    dir = parent;
  }
}

/** The result of planning the dependency: edits of requirements.txt, or why there are none. */
export interface PythonDependencyPlan {
  /** Edits of requirements.txt (offsets into its text). Absent: no change. */
  readonly requirementsTxt?: readonly TextEdit[];
  /** App-relative path where the caller copies the wheel (`vendor/cachelens-0.1.0-py3-none-any.whl`): requirements.txt names it. Absent: nothing to copy. */
  readonly wheel?: string;
  /** Why requirements.txt is not edited, for the user (absent when it is). */
  readonly reason?: string;
}

/** The requirement name of a requirements.txt line (`cachelens` for `cachelens>=0.1 ; python_version>"3"`), or undefined for options, paths and URLs. */
function requirementName(line: string): string | undefined {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:[<>=!~;@]|$)/.exec(line);
  return match ? match[1]!.toLowerCase().replace(/[-_.]+/g, '-') : undefined;
}

const VENDORED_WHEEL = /(^|[\s/\\])(?:\.\/)?vendor\/cachelens-[^\s/\\]+-py3-none-any\.whl(?=\s|$|#)/;

/**
 * Adds the vendored wheel to the app's requirements.txt, idempotently, keeping every other byte:
 * - no requirements.txt: nothing, with the reason (a pyproject.toml or setup.cfg cannot name a
 *   relative path to a file: the user installs the wheel by hand);
 * - a line naming this wheel already: nothing (the wheel is still to be copied);
 * - a line naming another vendored cachelens wheel: that path is replaced by this version's;
 * - a line requiring `cachelens` otherwise (`cachelens==0.1.0`, from an index): nothing, with the reason;
 * - else the path on a new last line, with the file's line ending (a missing final newline added first).
 */
export function planPythonRequirement(input: {
  readonly requirementsTxt?: { readonly text: string } | undefined;
  readonly hasPyproject?: boolean;
  readonly hasSetupCfg?: boolean;
  readonly runtimeVersion: string;
}): PythonDependencyPlan {
  const wheel = vendoredWheelPath(input.runtimeVersion);
  if (input.requirementsTxt === undefined) {
    const file = input.hasPyproject ? 'pyproject.toml' : input.hasSetupCfg ? 'setup.cfg' : undefined;
    return {
      reason:
        file !== undefined
          ? `the app declares its dependencies in ${file}, which cannot name a relative path to a wheel: install the runtime with pip install ${wheel} (the wheel is shipped with the extension), or add a requirements.txt.`
          : `the app has no requirements.txt: install the runtime with pip install ${wheel} (the wheel is shipped with the extension).`,
    };
  }
  const text = input.requirementsTxt.text;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  let offset = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    const code = line.replace(/(^|\s)#.*$/, '');
    const vendored = VENDORED_WHEEL.exec(code);
    if (vendored) {
      const start = offset + vendored.index + vendored[1]!.length;
      const written = vendored[0].slice(vendored[1]!.length);
      if (written.replace(/^\.\//, '') === wheel) return { wheel };
      return { requirementsTxt: [{ start, end: start + written.length, newText: wheel }], wheel };
    }
    if (requirementName(code) === 'cachelens') {
      return { reason: `requirements.txt already requires cachelens (${line.trim()}): left as it is.` };
    }
    offset += rawLine.length + 1;
  }
  const lead = text.length > 0 && !text.endsWith('\n') ? eol : '';
  return { requirementsTxt: [{ start: text.length, end: text.length, newText: `${lead}${wheel}${eol}` }], wheel };
}
