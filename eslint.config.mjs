// Lint for every part, plus the architecture's import boundaries (eslint-rules/part-boundaries.mjs;
// the per-part tsconfig references enforce the same direction at compile time), and the extension's
// settings read in one module (eslint-rules/settings-only.mjs); inside the runtime, values imported
// from the module that defines them, not through a re-export (eslint-rules/direct-imports.mjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import partBoundaries from './eslint-rules/part-boundaries.mjs';
import settingsOnly from './eslint-rules/settings-only.mjs';
import directImports from './eslint-rules/direct-imports.mjs';

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
    files: ['runtime/**/*.ts', 'runtime/shared/**/*.js', 'protocol/**/*.ts', 'extension/**/*.ts', 'webview/**/*.ts'],
    plugins: { cachelens: { rules: { 'part-boundaries': partBoundaries, 'settings-only': settingsOnly } } },
    rules: { 'cachelens/part-boundaries': 'error' },
  },
  {
    // Inside the runtime, values are imported from where they are defined (eslint-rules/direct-imports.mjs).
    files: ['runtime/src/**/*.ts'],
    plugins: { runtime: { rules: { 'direct-imports': directImports } } },
    rules: { 'runtime/direct-imports': 'error' },
  },
  {
    // The orders example is written as a CommonJS service (require() of a module using exports.x = function).
    files: ['examples/orders-api/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The extension's settings are read in extension/src/settings.ts only (eslint-rules/settings-only.mjs).
    files: ['extension/**/*.ts'],
    rules: { 'cachelens/settings-only': 'error' },
  },
);
