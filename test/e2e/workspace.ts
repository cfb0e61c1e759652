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

/**
 * Makes a copied example runnable from its own terminal without a registry: node_modules holds
 * links to this repository's built runtime and to the TypeScript compiler and Node types.
 */
export function linkRuntime(workspace: string): void {
  const modules = path.join(workspace, 'node_modules');
  fs.mkdirSync(path.join(modules, '@types'), { recursive: true });
  const link = (target: string, name: string) => fs.symlinkSync(target, path.join(modules, name), 'dir');
  link(path.join(ROOT, 'runtime'), 'cachelens');
  link(path.join(ROOT, 'node_modules', 'typescript'), 'typescript');
  link(path.join(ROOT, 'node_modules', '@types', 'node'), path.join('@types', 'node'));
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  fs.symlinkSync(path.join('..', 'typescript', 'bin', 'tsc'), path.join(modules, '.bin', 'tsc'));
}
