// Puts what the extension ships of the runtime into dist/runtime: the config file's JSON Schema
// (contributed through `jsonValidation`) and the packed `cachelens` package, so that "Cache this
// function" can install the runtime into an app offline.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'runtime');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const schema = path.join(root, 'runtime', 'schema', 'cachelens.config.schema.json');
if (!fs.existsSync(schema)) throw new Error(`${schema} is missing: the runtime package must ship its config schema`);
fs.copyFileSync(schema, path.join(out, 'cachelens.config.schema.json'));
const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: path.join(root, 'runtime'), encoding: 'utf8' });
console.log(`dist/runtime: schema + ${packed.trim().split('\n').pop()}`);
