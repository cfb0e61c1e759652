// Writes the ESM entry of the package: it re-exports the CommonJS build, so that an app that
// both imports and requires "cachelens" gets one module instance (one registry of memoized
// functions, one reporter), not two copies of the runtime.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const esm = path.join(root, 'dist', 'esm');
fs.mkdirSync(esm, { recursive: true });
fs.writeFileSync(path.join(esm, 'index.mjs'), "export * from '../cjs/index.js';\n");
fs.writeFileSync(path.join(esm, 'index.d.mts'), "export * from '../cjs/index.js';\n");
