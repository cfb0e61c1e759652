// ESLint rule `cachelens/part-boundaries`: resolves every import, export-from, dynamic import and
// require() to the part of the architecture it lands in, and reports imports a part may not make.
// Relative specifiers are resolved against the importing file, so `../../src/x` is caught too.
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Parts, most specific folder first. */
const PARTS = [
  ['shared', 'runtime/shared/'],
  ['codemod', 'extension/codemod/'],
  ['extension', 'extension/'],
  ['runtime', 'runtime/'],
  ['protocol', 'protocol/'],
  ['webview', 'webview/'],
];

/**
 * What each part may import from the other parts, and which packages it may not use.
 * `runtime/shared/` (package subpaths `cachelens/units`, `cachelens/config-file`) holds the facts
 * every part shares: the duration and size grammar, the config file's name and its built-in
 * backend types. No part imports it by a relative path: the runtime and the codemod are published
 * as separate packages, and only the package name resolves the same from a source checkout, from the published runtime (self-reference) and from the published codemod (its peer
 * dependency on cachelens). Of the runtime package, the codemod and the browser parts may import
 * only these subpaths (`onlyFrom`), which import nothing.
 */
const SHARED_SUBPATHS = ['cachelens/units', 'cachelens/config-file'];
const RULES = {
  shared: { parts: ['shared'], packages: ['vscode', 'ts-morph', 'cachelens', ...NODE], why: 'runtime/shared/ is loaded by every part, in Node and in the browser: it imports nothing' },
  runtime: { parts: ['runtime'], packages: ['vscode', 'ts-morph'], why: 'the runtime is the library apps import: no editor, codemod or panel code; runtime/shared/ by its package names (cachelens/units, cachelens/config-file)' },
  protocol: { parts: ['protocol', 'runtime'], packages: ['vscode', 'ts-morph', ...NODE], onlyFrom: { cachelens: SHARED_SUBPATHS }, why: 'protocol/ is shared by the extension host and the browser: plain TypeScript only' },
  codemod: { parts: ['codemod'], packages: ['vscode'], onlyFrom: { cachelens: SHARED_SUBPATHS }, why: 'the codemod core is pure (text in, edits out) so it runs under plain Node and in the CLI; of the runtime only the shared facts, as cachelens/units and cachelens/config-file' },
  extension: { parts: ['extension', 'codemod', 'protocol', 'runtime'], packages: [], why: 'the host talks to the webview only through protocol/' },
  webview: { parts: ['webview', 'protocol'], packages: ['vscode', 'ts-morph', ...NODE], onlyFrom: { cachelens: SHARED_SUBPATHS }, why: 'the webview runs in a browser iframe: no vscode, no Node, no host code' },
};

function partOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  return PARTS.find(([, prefix]) => rel.startsWith(prefix))?.[0];
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the dependency direction between runtime, protocol, codemod, extension and webview.' },
    schema: [],
    messages: {
      part: '{{from}} may not import {{to}} code ("{{spec}}"): {{why}}.',
      pkg: '{{from}} may not import "{{spec}}": {{why}}.',
    },
  },
  create(context) {
    const from = partOf(context.filename);
    if (!from) return {};
    const rule = RULES[from];
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.') || path.isAbsolute(spec)) {
        const to = partOf(path.resolve(path.dirname(context.filename), spec));
        if (to && !rule.parts.includes(to)) context.report({ node, messageId: 'part', data: { from, to, spec, why: rule.why } });
        return;
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const only = rule.onlyFrom?.[pkg];
      if (rule.packages.includes(pkg) || rule.packages.includes(spec) || (only !== undefined && !only.includes(spec))) {
        context.report({ node, messageId: 'pkg', data: { from, spec, why: rule.why } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node.arguments[0], node.arguments[0].value);
        }
      },
    };
  },
};
