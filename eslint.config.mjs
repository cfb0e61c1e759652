// Lint for every part, plus the architecture's import boundaries (the same rules the per-part
// tsconfig references enforce, stated by name so the message says which boundary was crossed).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const bannedPatterns = (group, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group, message }] }],
});

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'out/**', 'test/fixtures/**', '**/*.d.ts', '.vscode-test/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', exports: 'writable', window: 'readonly', document: 'readonly', performance: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', fetch: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['runtime/**/*.ts'],
    rules: bannedPatterns(['vscode', 'ts-morph', '**/extension/**', '**/webview/**', '**/protocol/**'],
      'runtime/ is the library apps import: it must not depend on the editor, the codemod or the panel.'),
  },
  {
    files: ['extension/codemod/**/*.ts'],
    rules: bannedPatterns(['vscode', '**/webview/**', '**/extension/src/**', '**/runtime/**'],
      'extension/codemod/ is pure (text in, edits out, ts-morph only) so it runs under plain Node and in the CLI.'),
  },
  {
    files: ['extension/src/**/*.ts'],
    rules: bannedPatterns(['**/webview/**'], 'The extension host talks to the webview only through protocol/.'),
  },
  {
    files: ['protocol/**/*.ts'],
    rules: bannedPatterns(['vscode', 'ts-morph', ...nodeBuiltins, '**/extension/**', '**/webview/**'],
      'protocol/ is shared by the extension host and the browser: plain TypeScript only.'),
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['vscode', ...nodeBuiltins].map((name) => ({ name, message: 'webview/ runs in a browser iframe: no vscode, no Node built-ins.' })),
        patterns: [{ group: ['**/extension/**', '**/runtime/src/**', 'ts-morph'], message: 'webview/ sees only protocol/ (and the runtime protocol types through it).' }],
      }],
    },
  },
);
