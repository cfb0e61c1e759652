#!/usr/bin/env node
/** `cachelens-codemod cache|uncache ...` (also reached as `cachelens cache|uncache ...` through the runtime's CLI). */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`cachelens-codemod: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
