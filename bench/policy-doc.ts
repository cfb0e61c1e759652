import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The report the policy benchmarks write into: docs/benchmarks.md itself, each between its own
 * markers inside the policy section (whose prose around the tables is written by hand, so this
 * section is not folded from a docs/benchmarks-NAME.md file like the others).
 */
export const DOC_PATH = join(__dirname, '..', 'docs', 'benchmarks.md');

/** Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` of docs/benchmarks.md. */
export function writeSection(name: string, markdown: string): void {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`${DOC_PATH}: markers ${start} / ${end} are missing; restore them (in the policy section).`);
  writeFileSync(DOC_PATH, `${doc.slice(0, from + start.length)}\n${markdown.trim()}\n${doc.slice(to)}`);
}
