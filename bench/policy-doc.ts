import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The benchmark report both benchmarks write into, each between its own markers. */
export const DOC_PATH = join(__dirname, '..', 'docs', 'benchmarks-policy.md');

const SKELETON = `# Eviction policy benchmarks

Figures written by the benchmarks themselves; rerun them to refresh this file:

\`\`\`sh
node --import tsx bench/hitratio.bench.ts      # hit ratios on the shared traces (CACHELENS_TRACES=dir or --traces dir; default ../shared/traces)
node --import tsx bench/throughput.bench.ts    # get/set throughput and memory per entry, side by side with other LRU libraries
\`\`\`

The same simulation is available to users: \`cachelens simulate --trace FILE --format lirs|lines|i32be|i64be --sizes 100,1000,10% --policies default,lru,arc,lirs,sieve,s3fifo,wtinylfu\`.

<!-- hitratio:start -->
<!-- hitratio:end -->

<!-- throughput:start -->
<!-- throughput:end -->

## Trace credits

- \`lirs-*.trace.gz\`: the traces distributed with the LIRS simulator (Song Jiang and Xiaodong Zhang, "LIRS: An Efficient Low Inter-reference Recency Set Replacement Policy to Improve Buffer Cache Performance", SIGMETRICS 2002), as described in its README.
- \`cache2k-*.trace.xz\`: traces © headissue GmbH, Jens Wilke, from the cache2k project, licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); used unmodified, read from \`../shared/traces\`, not copied into this repository.
`;

/** Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` (creating the file if needed). */
export function writeSection(name: string, markdown: string): void {
  const doc = existsSync(DOC_PATH) ? readFileSync(DOC_PATH, 'utf8') : SKELETON;
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`${DOC_PATH}: markers ${start} / ${end} are missing; restore them or delete the file.`);
  writeFileSync(DOC_PATH, `${doc.slice(0, from + start.length)}\n${markdown.trim()}\n${doc.slice(to)}`);
}
