// ESLint rule `cachelens/direct-imports`: inside the runtime, a value is imported from the module
// that defines it, never through a module that re-exports it (`export { x } from`, `export * from`).
// The runtime is compiled to CommonJS, where a re-export is a getter on the re-exporting module's
// `exports`: every call of a function imported that way runs the getter first, and the optimizing
// compiler does not always inline it (the miss-cause log's key hash cost ~14 ns more per miss read
// through `policy/index.ts`, a third of the log's cost). Re-exports stay for the package's own
// entries (`index.ts`, `internal.ts`, `observe/index.ts`), which apps and other parts import once.
// Type-only imports are not code and are not checked.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'runtime', 'src') + path.sep;
/** Per file: the names it re-exports as values ('*' for `export * from`). */
const reexportsOf = new Map();

function reexported(file) {
  let names = reexportsOf.get(file);
  if (names !== undefined) return names;
  names = new Set();
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // Not a source file of the runtime (resolution failed): nothing to check.
  }
  for (const m of text.matchAll(/^export\s+(type\s+)?\{([^}]*)\}\s*from\s*['"][^'"]+['"]/gm)) {
    if (m[1]) continue;
    for (const part of m[2].split(',')) {
      const spec = part.trim();
      if (spec === '' || spec.startsWith('type ')) continue;
      names.add(spec.split(/\s+as\s+/).pop().trim());
    }
  }
  // `import { x } from './a.js'; export { x };` compiles to the same getter.
  const imported = new Set();
  for (const m of text.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s*from/gm)) {
    if (m[1]) continue;
    for (const part of m[2].split(',')) if (part.trim() !== '' && !part.trim().startsWith('type ')) imported.add(part.trim().split(/\s+as\s+/).pop().trim());
  }
  for (const m of text.matchAll(/^export\s+\{([^}]*)\}\s*;/gm)) {
    for (const part of m[1].split(',')) {
      const [local, exported = local] = part.trim().split(/\s+as\s+/).map((x) => x.trim());
      if (local !== '' && imported.has(local)) names.add(exported);
    }
  }
  if (/^export\s+\*\s+(as\s+\w+\s+)?from/m.test(text)) names.add('*');
  reexportsOf.set(file, names);
  return names;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Inside the runtime, import values from the module that defines them, not through a re-export.' },
    schema: [],
    messages: {
      through: '"{{name}}" is re-exported by "{{spec}}": import it from the module that defines it. Compiled to CommonJS, a re-export is a getter run on every use.',
    },
  },
  create(context) {
    if (!context.filename.startsWith(SRC)) return {};
    return {
      ImportDeclaration(node) {
        const spec = node.source.value;
        if (node.importKind === 'type' || typeof spec !== 'string' || !spec.startsWith('.')) return;
        const target = path.resolve(path.dirname(context.filename), spec).replace(/\.js$/, '.ts');
        const names = reexported(target);
        if (names.size === 0) return;
        for (const s of node.specifiers) {
          if (s.type !== 'ImportSpecifier' || s.importKind === 'type') continue;
          const name = s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value);
          if (names.has(name) || names.has('*')) context.report({ node: s, messageId: 'through', data: { name, spec } });
        }
      },
    };
  },
};
