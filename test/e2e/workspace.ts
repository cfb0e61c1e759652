import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../harness/paths';

/** Copies the example app to a fresh folder for one test run (without node_modules or build output). */
export function copyExample(target: string, name = 'dashboard'): string {
  const source = path.join(ROOT, 'examples', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, {
    recursive: true,
    filter: (file) => !/[\\/](node_modules|dist)([\\/]|$)/.test(path.relative(source, file) ? file : ''),
  });
  return target;
}
